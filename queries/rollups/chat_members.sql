-- title: Chat members
-- grain: one row per (chat_id, member_id)
-- params: $chat_ids varchar[]
-- description: Everyone known to be in a chat, lurkers included (docs/metrics.md §2.5): seen there under a
--   name (senders, event subjects and actors, mentions, reactions, 接龙 entries, members.csv), given a
--   role there, joining, or sending a message. With the name they used last there, when and how
--   they first joined, when they left (if still gone),
--   what they said, their Orbit level (docs/metrics.md §4: ≥ 30 active days in a quarter leading, ≥ 7 in
--   a month contributing, ≥ 2 in a week participating, else exploring; the highest reached in the
--   year before the chat's last covered day) and their join-week cohort (docs/metrics.md §2.6): the
--   ISO week of their join, or failing that of when they were first seen (approximate), activation
--   (spoke within 7 days of entering) and speaking retention in weeks 1, 2, 4 and 8 after it (null
--   for members who predate the export: their entry is not a join).
--   Entry (docs/metrics.md §1.3): the first join; else, in a group whose birth the export does not
--   show, the export's first message for a member not seen joining before they appear (predates:
--   they were there when the export began); else when first seen or first spoke (approximate).
with present as (
    select chat_id, member_id from member_names where list_contains($chat_ids, chat_id)
    union
    select chat_id, member_id from roles where list_contains($chat_ids, chat_id)
    union
    select chat_id, member_id from membership_events
    where member_id is not null and list_contains($chat_ids, chat_id)
    union
    -- some exports name no one (ids only): a sender is in the chat all the same
    select chat_id, member_id from daily_member_activity
    where member_id is not null and list_contains($chat_ids, chat_id)
),
joins as (
    select chat_id, member_id, min(ts) as joined_at, arg_min(method, ts) as join_method, max(ts) as last_joined_at
    from membership_events
    where kind in ('join', 'create') and member_id is not null and list_contains($chat_ids, chat_id)
    group by all
),
exits as (
    select chat_id, member_id, max(ts) as left_at, arg_max(kind, ts) as exit_kind
    from membership_events
    where kind in ('leave', 'remove') and member_id is not null and list_contains($chat_ids, chat_id)
    group by all
),
days as (
    select chat_id, member_id, day, messages, active_messages
    from daily_member_activity
    where member_id is not null and list_contains($chat_ids, chat_id)
),
said as (
    select chat_id, member_id, sum(active_messages)::bigint as n_active, sum(messages)::bigint as n_messages,
        count(*) filter (where active_messages > 0) as active_days,
        min(day) filter (where active_messages > 0) as first_spoke,
        max(day) filter (where active_messages > 0) as last_spoke
    from days
    group by all
),
seen as (
    select chat_id, member_id, min(first_seen_at) as first_seen_at, max(last_seen_at) as last_seen_at,
        arg_max(name, coalesce(last_seen_at, timestamptz '1970-01-01')) as name
    from member_names
    where list_contains($chat_ids, chat_id)
    group by all
),
member_roles as (
    select chat_id, member_id, list(distinct role order by role) as roles from (
        select chat_id, member_id, role from roles
        where list_contains($chat_ids, chat_id) and source in ('declared', 'system')
        union all
        select p.chat_id, r.member_id, r.role
        from roles r join present p using (member_id)
        where r.chat_id is null and r.source in ('declared', 'system')
    ) group by all
),
coverage as (
    -- a chat's first exported instant, and whether its birth is in the export
    select b.chat_id, b.birth_seen, f.first_at
    from (select * from chat_births where list_contains($chat_ids, chat_id)) b
    join (select chat_id, min(coverage_start) as first_at
          from (select unnest(chat_ids) as chat_id, coverage_start from imports)
          where list_contains($chat_ids, chat_id) group by all) f using (chat_id)
),
first_presence as (
    -- the first sign of a member in the chat other than a join: a message, a name, an exit
    select chat_id, member_id, min(seen_at) as seen_at from (
        select chat_id, member_id, first_seen_at as seen_at from member_names where list_contains($chat_ids, chat_id)
        union all
        -- a day's activity counts as before a join only when the day is earlier (the day's last instant)
        select chat_id, member_id, cast(day + 1 as timestamptz) - interval 1 microsecond from daily_member_activity
        where member_id is not null and list_contains($chat_ids, chat_id)
        union all
        select chat_id, member_id, ts from membership_events
        where kind in ('leave', 'remove') and member_id is not null and list_contains($chat_ids, chat_id)
    ) group by all
),
last_day as (
    select chat_id, max(day) as last_day from covered_days where list_contains($chat_ids, chat_id) group by all
),
presence as (
    -- the most active days a member reached in one ISO week, one month and one quarter, over the
    -- year before the chat's last covered day
    select chat_id, member_id,
        max(n) filter (where span = 'week') as best_week,
        max(n) filter (where span = 'month') as best_month,
        max(n) filter (where span = 'quarter') as best_quarter
    from (
        select d.chat_id, d.member_id, s.span, date_trunc(s.span, d.day) as period, count(*) as n
        from days d
        join last_day l using (chat_id)
        cross join (select unnest(['week', 'month', 'quarter']) as span) s
        where d.active_messages > 0 and d.day > l.last_day - interval 1 year
        group by all
    ) group by all
),
base as (
    select
        p.chat_id,
        p.member_id,
        coalesce(n.name, mb.display_name, mb.platform_key) as name,
        coalesce(c.member_class, 'customer') as member_class,
        coalesce(c.member_class, 'customer') in ('customer', 'expert') as is_organic,
        r.roles,
        j.joined_at,
        j.join_method,
        -- gone only when the last exit follows the last join (left and came back = still here)
        case when e.left_at >= coalesce(j.last_joined_at, e.left_at) then e.left_at end as left_at,
        case when e.left_at >= coalesce(j.last_joined_at, e.left_at) then e.exit_kind end as exit_kind,
        n.first_seen_at,
        n.last_seen_at,
        -- in a group older than its export, someone not seen joining before they appear was there
        -- from the export's first message
        coalesce(not cv.birth_seen and (j.joined_at is null or fp.seen_at < j.joined_at), false) as predates,
        case when coalesce(not cv.birth_seen and (j.joined_at is null or fp.seen_at < j.joined_at), false)
             then cv.first_at
             else coalesce(j.joined_at, least(n.first_seen_at, cast(s.first_spoke as timestamptz))) end as entered_at,
        j.joined_at is null as entered_approx,
        coalesce(s.n_messages, 0) as n_messages,
        coalesce(s.n_active, 0) as n_active,
        coalesce(s.active_days, 0) as active_days,
        s.first_spoke,
        s.last_spoke,
        case when pr.best_quarter >= 30 then 'leading'
             when pr.best_month >= 7 then 'contributing'
             when pr.best_week >= 2 then 'participating'
             else 'exploring' end as orbit_level
    from present p
    left join (select * from member_classes where list_contains($chat_ids, chat_id)) c using (chat_id, member_id)
    left join member_roles r using (chat_id, member_id)
    left join joins j using (chat_id, member_id)
    left join exits e using (chat_id, member_id)
    left join said s using (chat_id, member_id)
    left join seen n using (chat_id, member_id)
    left join presence pr using (chat_id, member_id)
    left join members mb using (member_id)
    left join coverage cv using (chat_id)
    left join first_presence fp using (chat_id, member_id)
),
dated as (
    select *, cast(entered_at as date) as entered_on from base
),
cohort_flags as (
    -- bracket retention: spoke at least once in ISO week w + k, w being the week they entered
    select b.chat_id, b.member_id,
        bool_or(d.day between b.entered_on and b.entered_on + 6) as activated,
        bool_or(date_trunc('week', d.day) = date_trunc('week', b.entered_on) + interval 1 week) as spoke_week_1,
        bool_or(date_trunc('week', d.day) = date_trunc('week', b.entered_on) + interval 2 week) as spoke_week_2,
        bool_or(date_trunc('week', d.day) = date_trunc('week', b.entered_on) + interval 4 week) as spoke_week_4,
        bool_or(date_trunc('week', d.day) = date_trunc('week', b.entered_on) + interval 8 week) as spoke_week_8
    from dated b
    join days d on d.chat_id = b.chat_id and d.member_id = b.member_id and d.active_messages > 0
    where b.entered_on is not null and not b.predates
    group by all
),
final as (
    select b.*,
        case when b.entered_on is not null and not b.predates then coalesce(f.activated, false) end as activated,
        case when b.entered_on is not null and not b.predates then coalesce(f.spoke_week_1, false) end as spoke_week_1,
        case when b.entered_on is not null and not b.predates then coalesce(f.spoke_week_2, false) end as spoke_week_2,
        case when b.entered_on is not null and not b.predates then coalesce(f.spoke_week_4, false) end as spoke_week_4,
        case when b.entered_on is not null and not b.predates then coalesce(f.spoke_week_8, false) end as spoke_week_8
    from dated b
    left join cohort_flags f using (chat_id, member_id)
)
select * from final
