-- title: Non-organic members
-- grain: one row per (chat_id, member_id); chat_id null = every chat
-- description: Members left out of "organic" figures: owner, admin, staff, bots and alt accounts
--   (declared or from system messages; suspected alt accounts only once the owner confirms them).
select distinct chat_id, member_id
from roles
where role in ('owner', 'admin', 'staff', 'bot', 'alt')
  and source in ('declared', 'system')
