-- The invitation tree of each chat (docs/metrics.md §6.1), kept as a rollup: see
-- queries/rollups/invitation_tree.sql. Filled for every chat after the migrations.
create table invitation_tree (
    chat_id varchar not null,
    member_id varchar not null,
    inviter_id varchar,
    method varchar,
    joined_at timestamptz,
    generation integer,
    root_id varchar,
    primary key (chat_id, member_id)
);
comment on table invitation_tree is 'Rollup: who brought each member into the chat (latest join), how and when, with the generation (roots 0) and root of their invitation tree.';
insert or replace into meta values ('rollups_stale:invitation_tree', '1');
