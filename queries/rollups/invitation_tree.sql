-- title: Invitation tree
-- grain: one row per (chat, member) known in the chat
-- params: $chat_ids varchar[]
-- description: Who brought each member into the chat (docs/metrics.md §6.1), rebuilt from the join
--   system messages: the inviter of a member's latest join (re-joins: the latest wins), how (invite,
--   qr = a QR code the inviter shared, link, unknown), and when. Roots are the creation batch and
--   everyone whose inviter is unknown (generation 0); an invitee's generation is its inviter's + 1,
--   root_id the tree it belongs to. An inviter never seen in the chat makes its invitee a root; a
--   loop of re-joins (A re-invited by B, whom A had invited) leaves its members at generation null.
--   subtree_size counts the members below a member, itself included: a tree's structural virality
--   is then a sum over its edges (query growth/trees). Each member and inviter also carries their
--   name and class (rollup chat_members, so a change of roles recounts this one too), and what
--   became of a member who joined (docs/metrics.md §6.3): spoke within 7 days of joining, still spoke
--   in the week starting 7 days after (days 7-13) and in the week starting 30 days after (days
--   30-36; null when the export ends before that week does), left or was removed.
with joins as (
    select chat_id, member_id,
        -- a struct, so a latest join with no inviter is not skipped for an older one that had one
        arg_max({'inviter': actor_member_id, 'method': method}, ts) as latest, max(ts) as joined_at
    from membership_events
    where chat_id = any($chat_ids) and kind = 'join' and member_id is not null
    group by all
),
nodes as (
    select m.chat_id, m.member_id,
        case when j.latest.inviter <> m.member_id then j.latest.inviter end as inviter_id,
        coalesce(j.latest.method, case when j.member_id is not null then 'unknown' end) as method, j.joined_at
    from chat_members m
    left join joins j using (chat_id, member_id)
    where m.chat_id = any($chat_ids)
),
rooted as (
    select n.* replace (case when p.member_id is null then null else n.inviter_id end as inviter_id)
    from nodes n left join nodes p on p.chat_id = n.chat_id and p.member_id = n.inviter_id
),
recursive_tree as (
    with recursive walk(chat_id, member_id, generation, root_id, path) as (
        select chat_id, member_id, 0, member_id, [member_id] from rooted where inviter_id is null
        union all
        select r.chat_id, r.member_id, w.generation + 1, w.root_id, list_append(w.path, r.member_id)
        from rooted r join walk w on r.chat_id = w.chat_id and r.inviter_id = w.member_id
        where not list_contains(w.path, r.member_id)
    )
    select chat_id, member_id, generation, root_id, path from walk
),
subtrees as (
    -- every member on a path from the root has the path's last member below it
    select chat_id, member_id, count(*) as subtree_size
    from (select chat_id, unnest(path) as member_id from recursive_tree)
    group by all
),
last_day as (
    select chat_id, max(day) as last_day from covered_days where chat_id = any($chat_ids) group by all
),
later as (
    -- whether a joiner spoke in the week starting 7 and the week starting 30 days after their join
    select r.chat_id, r.member_id,
        bool_or(a.day between cast(r.joined_at as date) + 7 and cast(r.joined_at as date) + 13) as spoke_week_7,
        bool_or(a.day between cast(r.joined_at as date) + 30 and cast(r.joined_at as date) + 36) as spoke_week_30
    from rooted r
    join daily_member_activity a on a.chat_id = r.chat_id and a.member_id = r.member_id and a.active_messages > 0
    where r.joined_at is not null and a.chat_id = any($chat_ids)
    group by all
)
select r.chat_id, r.member_id, r.inviter_id, r.method, r.joined_at, t.generation, t.root_id, s.subtree_size,
    m.name, m.member_class, m.is_organic,
    i.name as inviter_name, i.member_class as inviter_class, i.is_organic as inviter_organic,
    m.first_spoke is not null and m.first_spoke <= cast(r.joined_at as date) + 7 as spoke_7,
    case when d.last_day >= cast(r.joined_at as date) + 13 then coalesce(w.spoke_week_7, false) end as active_7,
    case when d.last_day >= cast(r.joined_at as date) + 36 then coalesce(w.spoke_week_30, false) end as active_30,
    m.left_at is not null as left_chat, coalesce(m.exit_kind = 'remove', false) as removed
from rooted r
join chat_members m on m.chat_id = r.chat_id and m.member_id = r.member_id
left join chat_members i on i.chat_id = r.chat_id and i.member_id = r.inviter_id
left join recursive_tree t on t.chat_id = r.chat_id and t.member_id = r.member_id
left join later w on w.chat_id = r.chat_id and w.member_id = r.member_id
left join subtrees s on s.chat_id = r.chat_id and s.member_id = r.member_id
left join last_day d on d.chat_id = r.chat_id
