-- title: What member ↔ customer suggestions are made from
-- grain: one row per clue (a 接龙 line with four digits, a member's name, or an "I'm at the shop" message with the visits after it)
-- params: none
-- description: Clues for linking chat members to store customers (docs/metrics.md §5.1) among members
--   and customers with no confirmed link yet, and pairs the owner has not rejected: 接龙 lines
--   holding four digits (a phone's last four), members' names beside customers' names, and
--   messages saying the member is at the shop (rollup checkin_messages) with every customer visit in the
--   two hours after. core/linking.py turns them into suggestions.
with linked_members as (select member_id from member_customers where status = 'confirmed'),
linked_customers as (select customer_id from member_customers where status = 'confirmed'),
open_members as (
    select distinct member_id, name from chat_members
    where is_organic and member_id not in (select member_id from linked_members)
),
open_customers as (
    select customer_id, name, phone_last4 from customers where customer_id not in (select customer_id from linked_customers)
)
select 'phone' as clue, e.member_id, c.customer_id, e.text as evidence, null::double as hours
from solitaire_entries e
join open_members m using (member_id)
join open_customers c on c.phone_last4 is not null and regexp_extract(e.text, '(\d{4})\D*$', 1) = c.phone_last4
union all
select 'name', m.member_id, c.customer_id, m.name || ' ↔ ' || c.name, null
from open_members m, open_customers c
where m.name is not null and c.name is not null
union all
select 'visit', x.member_id, v.customer_id, x.text, (epoch(v.ts) - epoch(x.ts)) / 3600.0
from checkin_messages x
join open_members m using (member_id)
join visits v on v.customer_id in (select customer_id from open_customers)
    and v.ts between x.ts and x.ts + interval 2 hour
