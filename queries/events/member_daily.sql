-- title: Exposed customers' visits per day around each event
-- grain: one row per (event_id, day) from 70 days before the event day to 28 after
-- params: $event_ids varchar[] = null
-- description: The same-weekday baseline's series (docs/metrics.md §5.3 A): per event and day, the
--   visit-days of the members exposed to it who have a customer link, zeros included, and how
--   many of those were signed-up customers'.
with x as (
    select distinct event_id, event_day, customer_id, signed_up
    from event_exposure
    where customer_id is not null and ($event_ids is null or list_contains($event_ids, event_id))
),
events as (select distinct event_id, event_day from x),
cal as (
    select e.event_id, e.event_day, cast(e.event_day + r.k as date) as day
    from events e, (select cast(unnest(range(-70, 29)) as integer) as k) r
),
days as (
    select distinct customer_id, cast(ts as date) as day
    from visits where customer_id in (select customer_id from x)
)
select c.event_id, c.day, count(x.customer_id)::bigint as visits,
    count(x.customer_id) filter (where x.signed_up)::bigint as signed_up_visits
from cal c
left join (x join days d using (customer_id)) on x.event_id = c.event_id and d.day = c.day
group by all
order by c.event_id, c.day
