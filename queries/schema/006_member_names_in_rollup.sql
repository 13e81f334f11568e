-- The name a member goes by in a chat, kept in the chat_members rollup: the members table read it
-- from member_names on every drawing (a third of its time at ten million messages).
alter table chat_members add column name varchar;
comment on column chat_members.name is 'The name the member used last in this chat, else their display name or platform key.';
insert or replace into meta values ('rollups_stale', '1');
