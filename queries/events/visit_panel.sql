-- title: Visit-days of the exposed customers around each event
-- grain: one row per (event_id, customer_id, day) with a visit; a customer with none has one row with day null
-- params: $event_ids varchar[] = null
-- description: For every exposed member with a confirmed customer link (query events/exposed), the
--   distinct days they bought something (visit-days; two orders on one day are one) from 64 days
--   before the event day to 28 days after it, the revenue of that day, and whether they signed up
--   (view event_exposure).
with exposed as (
    select event_id, event_day, customer_id, bool_or(signed_up) as treated
    from event_exposure
    where customer_id is not null and ($event_ids is null or list_contains($event_ids, event_id))
    group by all
),
days as (
    select customer_id, cast(ts as date) as day, sum(amount)::double as amount
    from visits where customer_id in (select customer_id from exposed)
    group by all
)
select x.event_id, x.event_day, x.customer_id, x.treated, d.day, d.amount
from exposed x
left join days d on d.customer_id = x.customer_id and d.day between x.event_day - 64 and x.event_day + 28
order by x.event_id, x.customer_id, d.day
