-- title: How many members hold a role
-- grain: one row
-- params: $chat_ids varchar[] = null, $role varchar = null
-- description: The number of rows roles/profiles gives for the same chats and role (declared or
--   inferred), so a page can list the first few and say how many there are.
select count(*)::bigint as members
from member_profiles p
where ($chat_ids is null or list_contains($chat_ids, p.chat_id))
  and ($role is null or list_contains(p.inferred_roles, $role) or list_contains(p.declared_roles, $role)
       or p.member_class = $role)
