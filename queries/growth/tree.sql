-- title: Invitation tree with each invitee's outcome
-- grain: one row per (chat, member) known in the chat
-- params: $chat_ids varchar[] = null
-- description: Rollup invitation_tree with names and classes (staff-driven growth is an inviter who
--   is not organic: the owner, staff, an alt account or a bot), and what became of each member who
--   joined (metrics.md §6.3): spoke within 7 days of joining, still spoke 7 and 30 days after
--   (null when the export ends sooner), left or was removed, and, with a customer link, bought
--   something after joining; the entry threshold she marked for the day they joined (table
--   join_regimes, null when none) and their rule hits (rollup rule_hits, to review, not verdicts).
with last_day as (select chat_id, max(day) as last_day from covered_days group by all),
linked as (
    select member_id, customer_id from member_customers where status = 'confirmed'
),
visited as (
    select t.chat_id, t.member_id
    from invitation_tree t join linked l using (member_id) join visits v on v.customer_id = l.customer_id
    where t.joined_at is not null and v.ts >= t.joined_at
      and ($chat_ids is null or list_contains($chat_ids, t.chat_id))
    group by all
),
hits as (
    select chat_id, member_id, count(*) as rule_hits from rule_hits where member_id is not null group by all
)
select t.chat_id, c.name as chat_name, t.member_id, m.name, m.member_class, m.is_organic,
    t.inviter_id, i.name as inviter_name, i.member_class as inviter_class, i.is_organic as inviter_organic,
    i.joined_at as inviter_joined_at, t.method, t.joined_at, t.generation, t.root_id,
    m.first_spoke is not null and m.first_spoke <= cast(t.joined_at as date) + 7 as spoke_7,
    case when d.last_day >= cast(t.joined_at as date) + 7
         then coalesce(m.last_spoke >= cast(t.joined_at as date) + 7, false) end as active_7,
    case when d.last_day >= cast(t.joined_at as date) + 30
         then coalesce(m.last_spoke >= cast(t.joined_at as date) + 30, false) end as active_30,
    m.left_at is not null as left_chat, coalesce(m.exit_kind = 'remove', false) as removed,
    l.customer_id is not null as linked, v.member_id is not null as visited,
    (select r.threshold from join_regimes r
     where r.chat_id = t.chat_id and cast(t.joined_at as date) >= r.start_on
       and (r.end_on is null or cast(t.joined_at as date) <= r.end_on)
     order by r.start_on desc limit 1) as regime,
    coalesce(h.rule_hits, 0) as rule_hits
from invitation_tree t
join chats c using (chat_id)
join chat_members m using (chat_id, member_id)
left join chat_members i on i.chat_id = t.chat_id and i.member_id = t.inviter_id
left join last_day d on d.chat_id = t.chat_id
left join (select member_id, min(customer_id) as customer_id from linked group by all) l on l.member_id = t.member_id
left join visited v on v.chat_id = t.chat_id and v.member_id = t.member_id
left join hits h on h.chat_id = t.chat_id and h.member_id = t.member_id
where $chat_ids is null or list_contains($chat_ids, t.chat_id)
order by t.chat_id, t.generation nulls last, t.joined_at, t.member_id
