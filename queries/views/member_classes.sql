-- title: Member classes
-- grain: one row per (chat_id, member_id) that holds a role; a member with no row is a customer
-- description: What a member is in a chat, for "all vs organic" (DESIGN.md §5): staff (owner, admin,
--   staff), bot, alt (the owner's 小号) or expert. Customers and experts are organic; the rest are
--   not. Roles count when declared (members.csv, the app) or shown by the platform; suspected alt
--   accounts count only once the owner confirms them (which declares them). A role given without
--   a chat holds in every chat. When a member holds several roles the strongest wins:
--   bot > staff > alt > expert.
with scoped as (
    select c.chat_id, r.member_id,
        case r.role when 'bot' then 4 when 'owner' then 3 when 'admin' then 3 when 'staff' then 3
            when 'alt' then 2 when 'expert' then 1 end as rank
    from roles r join chats c on r.chat_id is null or r.chat_id = c.chat_id
    where r.source in ('declared', 'system')
)
select chat_id, member_id,
    case max(rank) when 4 then 'bot' when 3 then 'staff' when 2 then 'alt' else 'expert' end as member_class
from scoped
where rank is not null
group by chat_id, member_id
