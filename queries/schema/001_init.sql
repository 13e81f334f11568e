-- title: Canonical tables
-- description: Every table of docs/architecture.md §3. Instants are TIMESTAMPTZ; keys end in _id.
-- Big tables (messages, terms) carry no index: ingest de-duplicates with anti-joins instead,
-- which keeps bulk inserts fast and memory flat.

create table meta (
    key varchar primary key,
    value varchar
);
comment on table meta is 'Key/value facts about this database; data_version is bumped by every ingest.';
insert into meta values ('data_version', '0');

create table stores (
    store_id varchar primary key,
    name varchar not null,
    city varchar,
    note varchar
);
comment on table stores is 'A shop (门店). Chats and visits may be attached to one.';

create table imports (
    import_id integer primary key,
    file_name varchar not null,
    file_path varchar,
    sha256 varchar not null,
    format varchar not null,
    platform varchar not null,
    encoding varchar,
    source_tz varchar,
    exporter_account varchar,
    exporter_name varchar,
    coverage_start timestamptz,
    coverage_end timestamptz,
    n_read bigint,
    n_new bigint,
    n_duplicate bigint,
    n_skipped bigint,
    skipped_samples varchar[],
    chat_ids varchar[],
    parser_version varchar,
    status varchar not null,
    imported_at timestamptz not null
);
comment on table imports is 'One row per ingested file: what it was, whose export, which dates it covers, and its counts.';

create table chats (
    chat_id varchar primary key,
    platform varchar not null,
    platform_key varchar not null,
    name varchar,
    kind varchar not null,
    store_id varchar,
    created_at timestamptz
);
comment on table chats is 'A group (or private chat). kind: group | private | channel.';

create table members (
    member_id varchar primary key,
    platform varchar not null,
    platform_key varchar not null,
    key_kind varchar not null,
    display_name varchar
);
comment on table members is 'A person on a platform, keyed by wxid / user id / phone; key_kind=name when only a name was seen.';

create table member_names (
    member_id varchar not null,
    chat_id varchar not null,
    name varchar not null,
    first_seen_at timestamptz,
    last_seen_at timestamptz,
    primary key (member_id, chat_id, name)
);
comment on table member_names is 'Names (group nicknames, remarks) a member used in a chat, with the period seen.';

create table roles (
    chat_id varchar,
    member_id varchar not null,
    role varchar not null,
    domain varchar,
    source varchar not null,
    valid_from timestamptz,
    valid_to timestamptz,
    note varchar
);
comment on table roles is 'Roles held (owner, admin, staff, expert, alt, bot, customer); chat_id null = every chat. source: declared | inferred | system.';

create table messages (
    msg_id varchar not null,
    chat_id varchar not null,
    member_id varchar,
    ts timestamptz not null,
    kind varchar not null,
    text varchar,
    n_chars integer,
    reply_to_msg_id varchar,
    mentions varchar[],
    platform_msg_id varchar,
    sender_name varchar,
    is_self boolean,
    raw_type varchar,
    import_id integer not null,
    source_line bigint
);
comment on table messages is 'One row per message. msg_id is a stable hash, so re-imports and overlapping exports add nothing twice.';

create table membership_events (
    event_id varchar not null,
    chat_id varchar not null,
    ts timestamptz not null,
    kind varchar not null,
    member_id varchar,
    actor_member_id varchar,
    method varchar,
    raw_name varchar,
    msg_id varchar,
    import_id integer not null
);
comment on table membership_events is 'join | leave | remove | create | rename | recall | pat, from system messages. method: invite | qr | link | creator | unknown.';

create table red_packets (
    packet_id varchar not null,
    chat_id varchar not null,
    ts timestamptz not null,
    sender_member_id varchar,
    title varchar,
    msg_id varchar,
    import_id integer not null
);
comment on table red_packets is 'A red packet (红包) sent in a chat. Amounts are not in exports.';

create table red_packet_claims (
    claim_id varchar not null,
    chat_id varchar not null,
    ts timestamptz not null,
    claimer_member_id varchar,
    sender_member_id varchar,
    packet_id varchar,
    msg_id varchar,
    import_id integer not null
);
comment on table red_packet_claims is 'A claim seen by the exporting account: only its own claims and claims of its own packets are visible.';

create table solitaires (
    solitaire_id varchar not null,
    chat_id varchar not null,
    title varchar not null,
    first_seen_at timestamptz,
    last_seen_at timestamptz,
    n_versions integer,
    first_msg_id varchar,
    import_id integer not null
);
comment on table solitaires is 'A 接龙 sign-up list; every version re-posts the whole list.';

create table solitaire_entries (
    solitaire_id varchar not null,
    position integer,
    member_id varchar,
    raw_name varchar,
    text varchar not null,
    first_seen_at timestamptz,
    msg_id varchar,
    import_id integer not null
);
comment on table solitaire_entries is 'A line of a 接龙 list; first_seen_at is the first version containing it.';

create table terms (
    msg_id varchar not null,
    chat_id varchar not null,
    term varchar not null
);
comment on table terms is 'Words of each text message, segmented at ingest with the shop lexicon, stopwords removed.';

create table customers (
    customer_id varchar primary key,
    name varchar,
    phone_last4 varchar,
    store_id varchar,
    note varchar
);
comment on table customers is 'A store customer (会员) from the store records.';

create table member_customers (
    member_id varchar not null,
    customer_id varchar not null,
    method varchar not null,
    confidence double,
    primary key (member_id, customer_id)
);
comment on table member_customers is 'Link chat member <-> store customer. method: declared | phone | name_match.';

create table store_events (
    event_id varchar primary key,
    store_id varchar,
    name varchar not null,
    category varchar,
    announce_at timestamptz,
    start_at timestamptz,
    end_at timestamptz,
    cost decimal(12, 2),
    announcement_msg_id varchar
);
comment on table store_events is 'An offline event (绘画比赛, 蛋糕DIY, 插花课 …).';

create table visits (
    visit_id varchar primary key,
    store_id varchar,
    customer_id varchar,
    ts timestamptz not null,
    amount decimal(12, 2)
);
comment on table visits is 'A store visit or purchase from the POS records.';

create table daily_chat_activity (
    chat_id varchar not null,
    day date not null,
    messages bigint not null,
    active_messages bigint not null,
    speakers bigint not null,
    primary key (chat_id, day)
);
comment on table daily_chat_activity is 'Rollup: per chat and local day, all messages, active (non-system) messages and distinct speakers.';

create table daily_member_activity (
    chat_id varchar not null,
    member_id varchar,
    day date not null,
    messages bigint not null,
    active_messages bigint not null,
    n_chars bigint not null
);
comment on table daily_member_activity is 'Rollup: per chat, member and local day (member_id null: sender unknown to the export). Organic figures join it with roles.';
