-- title: Exposure and sign-up per event
-- grain: one row per (event_id, member_id) of an organic member in the chat at the announcement
-- description: Exposure and sign-up (docs/metrics.md §5.2). Exposed = a customer or expert of the chat
--   where the event was announced (view event_links), in the chat at the announcement: entered on
--   or before it and not gone before it. Signed up = has a line in the event's 接龙 list (the first
--   version containing it is the sign-up time); someone who signed up counts as exposed, and
--   every 接龙 line counts as a sign-up (an alt account's too; member_class tells). With the
--   member's confirmed store customer link.
with events as (
    select event_id, chat_id, exposed_at, solitaire_id, cast(start_at as date) as event_day
    from event_links
    where chat_id is not null
),
signups as (
    select s.solitaire_id, e.member_id, min(e.first_seen_at) as signed_up_at, arg_min(e.text, e.first_seen_at) as line
    from solitaire_entries e join solitaires s using (solitaire_id)
    where e.member_id is not null
    group by all
),
links as (
    select member_id, min(customer_id) as customer_id from member_customers where status = 'confirmed' group by all
)
select v.event_id, v.event_day, m.chat_id, m.member_id, m.name, m.member_class,
    s.signed_up_at is not null as signed_up, s.signed_up_at, s.line as signup_line, l.customer_id
from events v
join chat_members m on m.chat_id = v.chat_id
left join signups s on s.solitaire_id = v.solitaire_id and s.member_id = m.member_id
left join links l on l.member_id = m.member_id
where (s.signed_up_at is not null and m.member_class <> 'staff')
   or (m.is_organic
       and coalesce(m.entered_at, cast(m.entered_on as timestamptz)) <= v.exposed_at
       and (m.left_at is null or m.left_at > v.exposed_at))
