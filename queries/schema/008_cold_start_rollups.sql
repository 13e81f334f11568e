-- Rollups for the Cold start page. At ten million messages its queries scanned messages on every
-- drawing (alt-account evidence alone took minutes for every chat); the day-by-day figures by
-- group age, each chat's cold-start end and the alt-account measurements are now kept per chat and
-- refreshed with the other rollups.
create table chat_age_days (
    chat_id varchar not null,
    day date not null,
    age_day integer not null,
    birth_seen boolean not null,
    messages bigint not null,
    organic_messages bigint not null,
    organic_speakers bigint not null,
    staff_messages bigint not null,
    members bigint not null,
    window_organic_speakers bigint not null,
    window_messages bigint not null,
    window_organic_messages bigint not null,
    window_end_members bigint,
    window_complete boolean not null,
    primary key (chat_id, day)
);
comment on table chat_age_days is 'Rollup: per covered day from the group''s birth, its age, active and organic messages, organic speakers, staff messages and members, and the 7-day window starting that day (organic speakers, messages, members at its end, whether the export covers all of it).';

create table chat_cold_start (
    chat_id varchar primary key,
    born_at timestamptz not null,
    birth_seen boolean not null,
    status varchar not null,
    end_day date,
    end_age_day integer,
    changepoint_day date,
    confirmed boolean not null
);
comment on table chat_cold_start is 'Rollup: each chat''s cold-start end by the two-week rule with the defaults of docs/metrics.md §3.1 (status ended, not_yet or not_visible) and the PELT changepoint that confirms it or not.';

create table alt_evidence (
    chat_id varchar not null,
    member_id varchar not null,
    reference_id varchar not null,
    messages bigint not null,
    first_at timestamptz not null,
    last_at timestamptz not null,
    joined_at timestamptz,
    inviter_id varchar,
    pre_share double,
    period_messages bigint not null,
    period_reference_messages bigint not null,
    period_own_messages bigint not null,
    right_after_reference bigint not null,
    near_reference bigint not null,
    bursts bigint not null,
    clock_cosine double not null,
    reply_edges bigint not null,
    edges_to_reference bigint not null,
    addressed_by_organic bigint not null,
    median_chars double,
    chat_median_chars double,
    affirmation_share double not null,
    solitaire_lists bigint not null,
    solitaire_first bigint not null,
    fast_claims bigint not null,
    primary key (chat_id, member_id, reference_id)
);
comment on table alt_evidence is 'Rollup: the measurements behind the alt-account score (docs/metrics.md §3.4) for every account that is not staff or a bot, against the owner and each staff member of the chat; see queries/rollups/alt_evidence.sql.';
insert or replace into meta values ('rollups_stale', '1');
