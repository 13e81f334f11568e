-- title: Member classes
-- grain: one row per (chat_id, member_id) that holds a role; a member with no row is a customer
-- description: What a member is in a chat, for "all vs organic" (docs/metrics.md §1.3): staff (owner, admin,
--   staff), bot, alt (the owner's 小号) or expert. Customers and experts are organic; the rest are
--   not. Roles count when declared (members.csv, the app) or shown by the platform; suspected alt
--   accounts count only once the owner confirms them (which declares them). A role given without
--   a chat holds in every chat the member is seen in (under a name, or joining). When a member holds several roles the strongest wins:
--   bot > staff > alt > expert.
with ranked as (
    select chat_id, member_id,
        case role when 'bot' then 4 when 'owner' then 3 when 'admin' then 3 when 'staff' then 3
            when 'alt' then 2 when 'expert' then 1 end as rank
    from roles
    where source in ('declared', 'system') and role in ('bot', 'owner', 'admin', 'staff', 'alt', 'expert')
),
-- equi-joins only: a role for every chat holds in the chats where the member is seen (names,
-- joins), so the customers, most of the roles table, never enter, and a role never spreads to
-- chats the member has nothing to do with
global_roles as (
    select member_id, max(rank) as rank from ranked where chat_id is null group by member_id
),
seen as (
    select chat_id, member_id from member_names
    union
    select chat_id, member_id from membership_events where member_id is not null
),
scoped as (
    select chat_id, member_id, rank from ranked where chat_id is not null
    union all
    select s.chat_id, g.member_id, g.rank from global_roles g join seen s using (member_id)
)
select chat_id, member_id,
    case max(rank) when 4 then 'bot' when 3 then 'staff' when 2 then 'alt' else 'expert' end as member_class
from scoped
group by chat_id, member_id
