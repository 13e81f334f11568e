-- What the owner adds for the Growth and Group rules pages (issue 9): the amounts of her red
-- packets (exports never hold them), the entry thresholds her groups had over time, and the
-- rollup of rule hits (see core/rules.py; the rule set itself is a TOML text, the shipped default
-- or hers in meta 'rules_toml').
create table red_packet_amounts (
    packet_id varchar primary key,
    amount decimal(12, 2) not null,
    entered_at timestamptz not null
);
comment on table red_packet_amounts is 'The amount of a red packet, entered by the owner (exports do not hold it), for the cost per extra speaker.';

create table join_regimes (
    chat_id varchar not null,
    start_on date not null,
    end_on date,
    threshold varchar not null,
    detail varchar,
    entered_at timestamptz not null,
    primary key (chat_id, start_on)
);
comment on table join_regimes is 'Entry thresholds the owner marks for a chat: from start_on to end_on (inclusive, null = still) new members were admitted under threshold free | invite_only | paid | purchase | question; detail says e.g. the amount.';

create table rule_hits (
    chat_id varchar not null,
    rule_id varchar not null,
    msg_id varchar not null,
    member_id varchar,
    ts timestamptz not null,
    detail varchar,
    primary key (chat_id, rule_id, msg_id)
);
comment on table rule_hits is 'Rollup: messages (or join notices, for invites) that match a group rule of the rule set in use, for the owner to review; see core/rules.py. Never a verdict.';
-- filled on open by core/db.py (_recount_rule_hits), as whenever the rule set changes

create table red_packet_windows (
    packet_id varchar not null,
    chat_id varchar not null,
    k bigint not null,
    w0 timestamptz not null,
    msgs_60 bigint not null,
    speakers_60 bigint not null,
    thanks_60 bigint not null,
    substantive_60 bigint not null,
    new_voices_60 bigint not null,
    msgs_pre_60 bigint not null,
    msgs_24 bigint not null,
    usable boolean not null,
    usable_24 boolean not null,
    primary key (packet_id, k)
);
comment on table red_packet_windows is 'Rollup: organic talk in the hour after each red packet and in the same hour 1–4 weeks before and after (its controls); see queries/rollups/red_packet_windows.sql.';

create table red_packet_weeks (
    chat_id varchar not null,
    week date not null,
    speakers bigint not null,
    speakers_only_after_packet bigint not null,
    share_only_after_packet double not null,
    share_msgs_after_packet double not null,
    packets bigint not null,
    primary key (chat_id, week)
);
comment on table red_packet_weeks is 'Rollup: per chat with red packets and week, the organic speakers who spoke only right after a packet (the dependency signal, docs/metrics.md §7.2).';
insert or replace into meta values ('rollups_stale:red_packet_windows', '1');
insert or replace into meta values ('rollups_stale:red_packet_weeks', '1');
