-- title: The owner's decisions on suspected alt accounts
-- grain: one row per (chat_id, member_id) the owner has declared alt or a real customer
-- params: $chat_ids varchar[] = null
-- description: Declared roles that settle an alt-account suspicion (docs/metrics.md §3.4): alt (her own
--   account: it leaves the organic figures) or customer (a real customer: never flagged again). A
--   role declared without a chat holds in every chat the member is in. Staff declared the same way are not scored at
--   all. When both are declared, alt wins, as in member_classes.
select c.chat_id, r.member_id,
    case when bool_or(r.role = 'alt') then 'alt' else 'customer' end as decision
from roles r
join chat_members c on c.member_id = r.member_id and (r.chat_id is null or r.chat_id = c.chat_id)
where r.source = 'declared' and r.role in ('alt', 'customer')
  and ($chat_ids is null or list_contains($chat_ids, c.chat_id))
group by c.chat_id, r.member_id
