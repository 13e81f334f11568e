-- title: Invitation tree with each invitee's outcome
-- grain: one row per (chat, member) known in the chat
-- params: $chat_ids varchar[] = null
-- description: Rollup invitation_tree: each member's inviter, names and classes (staff-driven
--   growth is an inviter who is not organic: the owner, staff, an alt account or a bot), and what
--   became of each member who joined (docs/metrics.md §6.3): spoke within 7 days of joining, still
--   spoke 7 and 30 days after (null when the export ends sooner), left or was removed; with the
--   chat's name; with a customer link, whether they bought something after joining; the entry
--   threshold she marked for the day they joined (table join_regimes, null when none) and their
--   rule hits (rollup rule_hits, to review, not verdicts).
--   Unordered: a whole chain's tree is 370,000 rows at 10M messages, and sorting them all costs
--   more than the readers, who sort what they show.
with linked as (
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
)
select t.chat_id, c.name as chat_name, t.member_id, t.name, t.member_class, t.is_organic,
    t.inviter_id, t.inviter_name, t.inviter_class, t.inviter_organic, t.method, t.joined_at, t.generation, t.root_id,
    t.spoke_7, t.active_7, t.active_30, t.left_chat, t.removed,
    l.member_id is not null as linked, coalesce(l.last_visit >= t.joined_at, false) as visited,
    r.threshold as regime, coalesce(h.rule_hits, 0) as rule_hits
from invitation_tree t
join chats c using (chat_id)
left join linked l on l.member_id = t.member_id
left join hits h on h.chat_id = t.chat_id and h.member_id = t.member_id
left join join_regimes r on r.chat_id = t.chat_id and cast(t.joined_at as date) >= r.start_on
       and (r.end_on is null or cast(t.joined_at as date) <= r.end_on)
where $chat_ids is null or list_contains($chat_ids, t.chat_id)
