-- Platforms beyond WeChat record when a message was edited and who reacted with what
-- (Telegram, Discord). Both are kept as the export states them.
alter table messages add column edited_at timestamptz;
comment on column messages.edited_at is 'When the message was last edited, where the export says so (Telegram, Discord).';
create table reactions (
    msg_id varchar not null,
    chat_id varchar not null,
    emoji varchar not null,
    n integer not null,
    member_ids varchar[],
    import_id integer not null
);
comment on table reactions is 'Reactions on a message: one row per (message, emoji) with the count the export states and the reacting members it names (often only the most recent few).';
