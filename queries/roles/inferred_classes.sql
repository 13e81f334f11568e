-- title: Classes inferred from roles
-- grain: one row per (chat_id, member_id) of a customer the roles inference calls owner, staff or expert
-- params: $chat_ids varchar[]
-- description: The classes the behavioural roles give members the owner has not classed (docs/metrics.md
--   §1.3, §4.1), from rollup member_profiles: the group's creator (inferred_owner) and accounts with
--   the staff patterns (inferred_staff) are staff, answer-persons (inferred_expert) experts.
select chat_id, member_id,
    case when list_has_any(inferred_roles, ['owner', 'staff']) then 'staff' else 'expert' end as member_class,
    case when list_contains(inferred_roles, 'owner') then 'inferred_owner'
         when list_contains(inferred_roles, 'staff') then 'inferred_staff'
         else 'inferred_expert' end as basis
from member_profiles
where list_contains($chat_ids, chat_id) and member_class = 'customer'
  and list_has_any(inferred_roles, ['owner', 'staff', 'expert'])
