-- title: Chat members
-- grain: one row per (chat_id, member_id)
-- description: Everyone known to be in a chat, lurkers included (metrics.md §2.5): seen there under a
--   name (senders, event subjects and actors, mentions, reactions, 接龙 entries, members.csv), given a
--   role there, or joining. With when and how they first joined, when they left (if still gone), and
--   what they said (from the daily rollup, so pages never scan messages). Members who never spoke
--   have n_active = 0.
with present as (
    select chat_id, member_id from member_names
    union
    select chat_id, member_id from roles where chat_id is not null
    union
    select chat_id, member_id from membership_events where member_id is not null
),
joins as (
    select chat_id, member_id, min(ts) as joined_at, arg_min(method, ts) as join_method, max(ts) as last_joined_at
    from membership_events
    where kind in ('join', 'create') and member_id is not null
    group by all
),
exits as (
    select chat_id, member_id, max(ts) as left_at, arg_max(kind, ts) as exit_kind
    from membership_events
    where kind in ('leave', 'remove') and member_id is not null
    group by all
),
said as (
    select chat_id, member_id, sum(active_messages) as n_active, sum(messages) as n_messages,
        count(*) filter (where active_messages > 0) as active_days,
        min(day) filter (where active_messages > 0) as first_spoke,
        max(day) filter (where active_messages > 0) as last_spoke
    from daily_member_activity
    where member_id is not null
    group by all
),
seen as (
    select chat_id, member_id, min(first_seen_at) as first_seen_at, max(last_seen_at) as last_seen_at
    from member_names
    group by all
)
select
    p.chat_id,
    p.member_id,
    j.joined_at,
    j.join_method,
    -- gone only when the last exit follows the last join (left and came back = still here)
    case when e.left_at >= coalesce(j.last_joined_at, e.left_at) then e.left_at end as left_at,
    case when e.left_at >= coalesce(j.last_joined_at, e.left_at) then e.exit_kind end as exit_kind,
    coalesce(s.n_active, 0) as n_active,
    coalesce(s.n_messages, 0) as n_messages,
    coalesce(s.active_days, 0) as active_days,
    s.first_spoke,
    s.last_spoke,
    n.first_seen_at,
    n.last_seen_at,
    not exists (
        select 1 from non_organic_members o
        where o.member_id = p.member_id and (o.chat_id is null or o.chat_id = p.chat_id)
    ) as is_organic
from present p
left join joins j using (chat_id, member_id)
left join exits e using (chat_id, member_id)
left join said s using (chat_id, member_id)
left join seen n using (chat_id, member_id)
