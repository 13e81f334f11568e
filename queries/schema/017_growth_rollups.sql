-- The Growth and Group rules pages read by a whole chain at once (issue 9): each member's subtree
-- size in the invitation tree (so a tree's structural virality is a sum, not an all-pairs walk)
-- and their outcome,
-- the referral campaigns and rule announcements staff posted (found once per import, not among
-- every message on each page draw), each red packet's estimated lift (its bootstrap takes seconds
-- for thousands of packets) and each rule hit's message. All refilled after the migrations.
alter table invitation_tree add column subtree_size integer;
comment on column invitation_tree.subtree_size is 'Members in the tree below this member, itself included (null outside every tree).';
-- what the Growth page reads of each member and inviter, kept here so a whole chain's tree is read
-- without joining chat_members twice (see queries/rollups/invitation_tree.sql)
alter table invitation_tree add column name varchar;
alter table invitation_tree add column member_class varchar;
alter table invitation_tree add column is_organic boolean;
alter table invitation_tree add column inviter_name varchar;
alter table invitation_tree add column inviter_class varchar;
alter table invitation_tree add column inviter_organic boolean;
alter table invitation_tree add column spoke_7 boolean;
alter table invitation_tree add column active_7 boolean;
alter table invitation_tree add column active_30 boolean;
alter table invitation_tree add column left_chat boolean;
alter table invitation_tree add column removed boolean;
insert or replace into meta values ('rollups_stale:invitation_tree', '1');

create table staff_notices (
    chat_id varchar not null,
    msg_id varchar not null,
    ts timestamptz not null,
    text varchar,
    kind varchar not null,
    threshold integer,
    primary key (chat_id, msg_id, kind)
);
comment on table staff_notices is 'Rollup: texts by the owner or staff announcing a referral reward (kind referral, with the number to invite) or stating a group rule (kind rule).';
insert or replace into meta values ('rollups_stale:staff_notices', '1');

-- Each hit keeps its message, so the Group rules page lists them without a lookup among every
-- message; counted again on the next open.
alter table rule_hits add column kind varchar;
alter table rule_hits add column text varchar;
alter table rule_hits add column sender_name varchar;
delete from meta where key = 'rule_hits_digest';

create table red_packet_lifts (
    packet_id varchar primary key,
    chat_id varchar not null,
    n_controls integer not null,
    later_controls boolean,
    exp_msgs_60 double,
    exp_speakers_60 double,
    exp_thanks_60 double,
    exp_substantive_60 double,
    exp_new_voices_60 double,
    exp_msgs_pre_60 double,
    exp_msgs_24 double,
    lift_msgs double,
    lift_msgs_lo double,
    lift_msgs_hi double,
    lift_speakers double,
    lift_speakers_lo double,
    lift_speakers_hi double,
    lift_substantive double,
    lift_new_voices double,
    lift_msgs_24 double,
    pre_state varchar
);
comment on table red_packet_lifts is 'Rollup: each red packet''s expected counts from its control hours, its lifts in messages and speakers with 95% intervals, and the pre-check (core/analytics/red_packets.py, docs/metrics.md §7.2).';
insert or replace into meta values ('rollups_stale:red_packet_lifts', '1');
