-- Roles and diversity (docs/metrics.md §4). The topic lexicon and the owner's own words live in the
-- database so analysts can join them; topics, replies, member profiles and weekly diversity are
-- rollups refreshed per chat with the others, so the Roles page never scans messages or terms.
create table topic_words (
    term varchar not null,
    topic varchar not null,
    domain varchar,
    primary key (term, topic)
);
comment on table topic_words is 'The topic lexicon (core/text/topics.toml): which word names which topic; domain = the expert domain tag the topic belongs to. Rewritten when the file changes.';

create table own_words (
    word varchar primary key,
    kind varchar not null,
    added_at timestamptz not null
);
comment on table own_words is 'Words the owner added on the Roles page: kind word (cut whole) or stopword (never counted). Applied to new imports and to the stored messages that contain them.';

create table topic_days (
    chat_id varchar not null,
    day date not null,
    topic varchar not null,
    member_class varchar not null,
    messages bigint not null,
    primary key (chat_id, day, topic, member_class)
);
comment on table topic_days is 'Rollup: text messages naming each topic (one of its words among the message''s terms) per chat, local day and sender class. Multi-label: a message counts once in every topic it names.';

create table member_topics (
    chat_id varchar not null,
    member_id varchar not null,
    topic varchar not null,
    messages bigint not null,
    primary key (chat_id, member_id, topic)
);
comment on table member_topics is 'Rollup: a member''s text messages naming each topic, per chat.';

create table reply_edges (
    chat_id varchar not null,
    week date not null,
    source_id varchar not null,
    target_id varchar not null,
    source_class varchar not null,
    target_class varchar not null,
    strong bigint not null,
    weak bigint not null,
    primary key (chat_id, week, source_id, target_id)
);
comment on table reply_edges is 'Rollup: who answered whom per ISO week (docs/metrics.md §2.3, §4.1): strong = quotes and @mentions of the target, weak = the next message within 10 minutes after the target''s, when it quotes and mentions no one.';

create table member_profiles (
    chat_id varchar not null,
    member_id varchar not null,
    name varchar,
    member_class varchar not null,
    declared_roles varchar[],
    inferred_roles varchar[] not null,
    inferred_domain varchar,
    evidence varchar[] not null,
    expert_criteria integer not null,
    staff_criteria integer not null,
    n_active bigint not null,
    text_messages bigint not null,
    questions_asked bigint not null,
    answers_given bigint not null,
    askers_answered bigint not null,
    low_activity_askers bigint not null,
    others_conversations bigint not null,
    short_in_others bigint not null,
    domain_share double,
    shop_vocab_share double,
    business_hours_share double,
    links bigint not null,
    replies_received bigint not null,
    orbit_level varchar not null,
    entered_on date,
    last_spoke date,
    recency_days integer,
    active_days_28 bigint not null,
    r_score integer,
    f_score integer,
    m_value bigint not null,
    rfm_segment varchar,
    reach double not null,
    organic_in_degree bigint not null,
    pagerank double,
    betweenness double,
    clustering double,
    primary key (chat_id, member_id)
);
comment on table member_profiles is 'Rollup: per member of a chat, the roles declared and the roles inferred from behaviour with their evidence (docs/metrics.md §4.1): expert (answer-person signature and domain vocabulary), staff patterns, owner (created the group), newcomer, lurker, regular (Orbit); the chat RFM scores; reply-network centrality. Declared roles beat inferred ones.';

create table diversity_weeks (
    chat_id varchar not null,
    week date not null,
    dimension varchar not null,
    messages bigint not null,
    q0 double not null,
    q1 double not null,
    q2 double not null,
    n_star bigint,
    q0_rarefied double,
    q1_rarefied double,
    q2_rarefied double,
    primary key (chat_id, week, dimension)
);
comment on table diversity_weeks is 'Rollup: Hill numbers per chat and ISO week (docs/metrics.md §4.3) for dimension topics (organic text messages per topic), speakers (organic speakers'' messages) and roles (active speakers per role), raw and rarefied to n_star messages (min(200, the chat''s smallest week of at least 30 messages), 200 draws); weeks under 30 messages get no rarefied value.';

alter table conversations add column n_customer_speakers bigint not null default 0;
alter table conversations add column n_staff_speakers bigint not null default 0;
alter table conversations add column n_expert_speakers bigint not null default 0;

insert or replace into meta values ('rollups_stale', '1');
