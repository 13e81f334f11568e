-- Events and store visits (docs/metrics.md §5): events found in the chat, the owner's answers about
-- them, and the status of each member ↔ customer link (suggested links wait for her answer).
create table chat_events (
    chat_id varchar not null,
    detect_id varchar not null,
    start_at timestamptz not null,
    title varchar not null,
    announce_msg_id varchar not null,
    announced_at timestamptz not null,
    reminders bigint not null,
    solitaire_id varchar,
    mentions varchar[] not null,
    texts varchar not null,
    primary key (chat_id, detect_id)
);
comment on table chat_events is 'Rollup: events announced in a chat (an announcement with event words and a day, reminders, a 接龙 list), one per chat and event day; see core/analytics/event_detect.py.';

create table event_decisions (
    detect_id varchar primary key,
    decision varchar not null,
    event_id varchar,
    decided_at timestamptz not null
);
comment on table event_decisions is 'The owner''s answer about an event found in the chat: confirmed (then a store_events row event_id exists) or dismissed.';

alter table member_customers add column status varchar not null default 'confirmed';
comment on column member_customers.status is 'confirmed (declared, or accepted by the owner) | suggested (found by phone digits, names or visits, waiting for her answer) | rejected.';

insert or replace into meta values ('rollups_stale', '1');
