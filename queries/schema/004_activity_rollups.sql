-- Rollups for the Activity and Overview pages, so a page reads small tables and never scans
-- messages. Each is recomputed per chat by the SELECT of the same name in queries/rollups/ at the
-- end of every import, and for every chat whose roles changed (organic figures depend on roles).
drop view if exists chat_members;
drop view if exists member_day_activity;
drop view if exists non_organic_members;

alter table daily_member_activity add column member_class varchar not null default 'customer';
comment on column daily_member_activity.member_class is 'staff, bot, alt, expert or customer (view member_classes) when the rollup was refreshed.';

create table chat_members (
    chat_id varchar not null,
    member_id varchar not null,
    member_class varchar not null,
    is_organic boolean not null,
    roles varchar[],
    joined_at timestamptz,
    join_method varchar,
    left_at timestamptz,
    exit_kind varchar,
    first_seen_at timestamptz,
    last_seen_at timestamptz,
    entered_on date,
    entered_approx boolean,
    n_messages bigint not null,
    n_active bigint not null,
    active_days bigint not null,
    first_spoke date,
    last_spoke date,
    orbit_level varchar not null,
    activated boolean,
    spoke_week_1 boolean,
    spoke_week_2 boolean,
    spoke_week_4 boolean,
    spoke_week_8 boolean,
    primary key (chat_id, member_id)
);
comment on table chat_members is 'Rollup: everyone known to be in a chat, lurkers included, with joins, exits, what they said and their join-week cohort flags.';

create table chat_day_speakers (
    chat_id varchar not null,
    day date not null,
    organic boolean not null,
    messages bigint not null,
    speakers bigint not null,
    wau bigint not null,
    mau28 bigint not null,
    members bigint not null,
    members_7d bigint not null,
    primary key (chat_id, day, organic)
);
comment on table chat_day_speakers is 'Rollup: per covered day, active messages, DAU, WAU, MAU28 of speakers and the members in the chat that day and in its last 7 days; all (organic = false) and organic.';

create table chat_period_speakers (
    chat_id varchar not null,
    period varchar not null,
    period_start date not null,
    organic boolean not null,
    covered_days bigint not null,
    messages bigint not null,
    speakers bigint not null,
    primary key (chat_id, period, period_start, organic)
);
comment on table chat_period_speakers is 'Rollup: active messages and distinct speakers per ISO week and calendar month.';

create table hourly_activity (
    chat_id varchar not null,
    day date not null,
    hour integer not null,
    kind varchar not null,
    member_class varchar not null,
    messages bigint not null
);
comment on table hourly_activity is 'Rollup: active messages per local day, hour, kind and member class.';

create table conversations (
    chat_id varchar not null,
    gap_minutes integer not null,
    conv_no bigint not null,
    started_at timestamptz not null,
    day date not null,
    ended_at timestamptz not null,
    n_messages bigint not null,
    n_speakers bigint not null,
    n_organic_speakers bigint not null,
    starter_id varchar,
    starter_class varchar not null,
    drew_organic_reply boolean not null,
    primary key (chat_id, gap_minutes, conv_no)
);
comment on table conversations is 'Rollup: conversations (runs of active messages with no gap over gap_minutes) for gaps of 10, 30, 60 and 90 minutes.';

create table questions (
    chat_id varchar not null,
    msg_id varchar not null,
    asked_at timestamptz not null,
    day date not null,
    member_id varchar not null,
    asker_class varchar not null,
    observed_s double not null,
    answered_s double,
    responder_id varchar,
    responder_class varchar,
    evidence varchar,
    primary key (chat_id, msg_id)
);
comment on table questions is 'Rollup: questions asked by anyone but staff and bots, with the first response within 24 h (quote, @mention or adjacency) or none (censored at observed_s).';

insert or replace into meta values ('rollups_stale', '1');
