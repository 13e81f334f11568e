-- title: Invitation tree with each invitee's outcome
-- grain: one row per (chat, member) known in the chat
-- params: $chat_ids varchar[] = null
-- description: Rollup invitation_tree with names and classes (staff-driven growth is an inviter who
--   is not organic: the owner, staff, an alt account or a bot), and what became of each member who
--   joined (metrics.md §6.3): spoke within 7 days of joining, still spoke 7 and 30 days after
--   (null when the export ends sooner), left or was removed, and, with a customer link, bought
--   something after joining; the entry threshold she marked for the day they joined (table
--   join_regimes, null when none) and their rule hits (rollup rule_hits, to review, not verdicts).
--   Unordered: a whole chain's tree is 370,000 rows at 10M messages, and sorting them all costs
--   more than the readers, who sort what they show.
with last_day as (select chat_id, max(day) as last_day from covered_days
                  where $chat_ids is null or list_contains($chat_ids, chat_id) group by all),
linked as (
    -- a member's confirmed customers: the first one, and the latest visit of any (a visit after
    -- joining is a latest visit after joining)
    select l.member_id, min(l.customer_id) as customer_id, max(v.last_visit) as last_visit
    from member_customers l
    left join (select customer_id, max(ts) as last_visit from visits group by all) v using (customer_id)
    where l.status = 'confirmed'
    group by all
),
hits as (
    select chat_id, member_id, count(*) as rule_hits from rule_hits where member_id is not null
      and ($chat_ids is null or list_contains($chat_ids, chat_id)) group by all
),
members as (
    -- the tree with each member's chat figures, also read for their inviter
    select t.chat_id, t.member_id, m.name, m.member_class, m.is_organic, t.inviter_id, t.method, t.joined_at,
        t.generation, t.root_id, m.first_spoke, m.last_spoke, m.left_at, m.exit_kind
    from invitation_tree t join chat_members m using (chat_id, member_id)
    where $chat_ids is null or list_contains($chat_ids, t.chat_id)
)
select t.chat_id, c.name as chat_name, t.member_id, t.name, t.member_class, t.is_organic,
    t.inviter_id, i.name as inviter_name, i.member_class as inviter_class, i.is_organic as inviter_organic,
    i.joined_at as inviter_joined_at, t.method, t.joined_at, t.generation, t.root_id,
    t.first_spoke is not null and t.first_spoke <= cast(t.joined_at as date) + 7 as spoke_7,
    case when d.last_day >= cast(t.joined_at as date) + 7
         then coalesce(t.last_spoke >= cast(t.joined_at as date) + 7, false) end as active_7,
    case when d.last_day >= cast(t.joined_at as date) + 30
         then coalesce(t.last_spoke >= cast(t.joined_at as date) + 30, false) end as active_30,
    t.left_at is not null as left_chat, coalesce(t.exit_kind = 'remove', false) as removed,
    l.member_id is not null as linked, coalesce(l.last_visit >= t.joined_at, false) as visited,
    r.threshold as regime,
    coalesce(h.rule_hits, 0) as rule_hits
from members t
join chats c using (chat_id)
left join members i on i.chat_id = t.chat_id and i.member_id = t.inviter_id
left join last_day d on d.chat_id = t.chat_id
left join linked l on l.member_id = t.member_id
left join hits h on h.chat_id = t.chat_id and h.member_id = t.member_id
left join join_regimes r on r.chat_id = t.chat_id and cast(t.joined_at as date) >= r.start_on
       and (r.end_on is null or cast(t.joined_at as date) <= r.end_on)
