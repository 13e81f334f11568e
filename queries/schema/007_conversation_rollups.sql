-- Conversation figures were computed from one row per conversation on every drawing (7.5 million
-- rows at ten million messages). Each conversation now keeps its duration, and the counts per chat,
-- gap and day sit in their own rollup; only medians still read conversations.
alter table conversations add column duration_s double;
comment on column conversations.duration_s is 'Seconds from the first message to the last (0 for a single message).';

create table conversation_days (
    chat_id varchar not null,
    gap_minutes integer not null,
    day date not null,
    conversations bigint not null,
    two_speakers bigint not null,
    two_organic_speakers bigint not null,
    staff_started bigint not null,
    staff_started_replied bigint not null,
    primary key (chat_id, gap_minutes, day)
);
comment on table conversation_days is 'Rollup: conversations started per chat, silence gap and local day, with how many had two or more speakers (and organic speakers), were started by staff, and of those drew an organic reply.';
insert or replace into meta values ('rollups_stale', '1');
