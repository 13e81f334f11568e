-- Growth figures read by a whole chain at once (issue 9): each member's subtree size in the
-- invitation tree (so a tree's structural virality is a sum, not an all-pairs walk) and the
-- referral campaigns announced in the chats (found once per import, not by scanning messages on
-- every page draw). Both refilled for every chat after the migrations.
alter table invitation_tree add column subtree_size integer;
comment on column invitation_tree.subtree_size is 'Members in the tree below this member, itself included (null outside every tree).';
insert or replace into meta values ('rollups_stale:invitation_tree', '1');

create table referral_campaigns (
    chat_id varchar not null,
    msg_id varchar not null,
    ts timestamptz not null,
    text varchar,
    threshold integer,
    primary key (chat_id, msg_id)
);
comment on table referral_campaigns is 'Rollup: messages by the owner or staff announcing a reward for inviting a number of people, with that number.';
insert or replace into meta values ('rollups_stale:referral_campaigns', '1');
