-- Which store event each chat event announces, kept as a rollup (see
-- queries/rollups/event_announcements.sql): in view event_links the pairing of every store event
-- with every chat event of its day ran in every events query, and a chain's 3,642 events on a few
-- shared days made that the slowest part of its pages. Filled for every chat once, after the
-- migrations, by the rollups' own query.
create table event_announcements (
    event_id varchar not null,
    chat_id varchar not null,
    detect_id varchar not null,
    announce_msg_id varchar,
    announced_at timestamptz,
    reminders bigint,
    solitaire_id varchar
);
comment on table event_announcements is 'Rollup: the store events each chat announced (same day, matching name, same store), read by view event_links.';
-- a calendar name the chat words differently now matches when it is the shop's only event that
-- day, so the effects are recounted too
insert or replace into meta values ('rollups_stale:event_announcements', '1');
insert or replace into meta values ('rollups_stale:event_effects', '1');
