-- title: Declared member classes
-- grain: one row per (chat_id, member_id) that holds a role the owner or the platform stated, or that exported the chat
-- description: A member's class before anything the app infers from behaviour (docs/metrics.md §1.3):
--   staff (owner, admin, staff), bot, alt (the owner's 小号) or expert, from roles declared
--   (members.csv, the app, the owner's answers) or shown by the platform. The account a chat was
--   exported from is the owner there (class staff) unless the owner gave it another role. A role
--   given without a chat holds in every chat the member is seen in (under a name, or joining).
--   When a member holds several roles the strongest wins: bot > staff > alt > expert. A declared
--   customer role adds no class but records her answer. The inferences (view member_classes) are
--   measured against these classes, so they never feed on themselves.
with ranked as (
    select chat_id, member_id,
        case role when 'bot' then 4 when 'owner' then 3 when 'admin' then 3 when 'staff' then 3
            when 'alt' then 2 when 'expert' then 1 when 'customer' then 0 end as rank
    from roles
    where source in ('declared', 'system')
      and role in ('bot', 'owner', 'admin', 'staff', 'alt', 'expert', 'customer')
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
),
exporters as (
    select distinct c.chat_id, mb.member_id
    from (select unnest(chat_ids) as chat_id, exporter_account from imports where exporter_account is not null) i
    join chats c using (chat_id)
    join members mb on mb.platform = c.platform and mb.platform_key = i.exporter_account
),
classed as (
    select chat_id, member_id, max(rank) as rank from scoped group by chat_id, member_id
)
select coalesce(c.chat_id, e.chat_id) as chat_id, coalesce(c.member_id, e.member_id) as member_id,
    case coalesce(c.rank, 3) when 4 then 'bot' when 3 then 'staff' when 2 then 'alt' when 1 then 'expert'
        else 'customer' end as member_class,
    c.rank is not null as declared
from classed c
full join exporters e on e.chat_id = c.chat_id and e.member_id = c.member_id
