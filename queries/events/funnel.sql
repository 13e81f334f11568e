-- title: Event funnel
-- grain: one row per store event
-- params: $event_ids varchar[] = null
-- description: Per event (docs/metrics.md §5.2, §5.5): members exposed at the announcement → signed up
--   in its 接龙 → of those with a store customer link, attended (a visit on the event day) →
--   returned within 7 and 28 days after it; the revenue of attendees on the day and of signed-up
--   customers in the 28 days after; and the match rate (exposed members with a customer link).
with x as (
    select * from event_exposure where $event_ids is null or list_contains($event_ids, event_id)
),
days as (
    -- decimal sums, so the revenue is the same to the cent however the rows are split among threads
    select customer_id, cast(ts as date) as day, sum(amount) as amount
    from visits where customer_id in (select customer_id from x where signed_up) group by all
),
signed as (
    select x.event_id, x.customer_id, x.event_day,
        bool_or(d.day = x.event_day) as attended,
        bool_or(d.day between x.event_day + 1 and x.event_day + 7) as back_7,
        bool_or(d.day between x.event_day + 1 and x.event_day + 28) as back_28,
        coalesce(sum(d.amount) filter (where d.day = x.event_day), 0) as revenue_day,
        coalesce(sum(d.amount) filter (where d.day between x.event_day + 1 and x.event_day + 28), 0) as revenue_28
    from x left join days d on d.customer_id = x.customer_id and d.day between x.event_day and x.event_day + 28
    where x.signed_up and x.customer_id is not null
    group by all
),
counts as (
    select event_id, count(*)::bigint as exposed, count(*) filter (where signed_up)::bigint as signed_up,
        count(customer_id)::bigint as exposed_linked, count(customer_id) filter (where signed_up)::bigint as signed_up_linked
    from x group by all
),
outcomes as (
    select event_id, count(*) filter (where attended)::bigint as attended,
        count(*) filter (where attended and back_7)::bigint as returned_7,
        count(*) filter (where attended and back_28)::bigint as returned_28,
        sum(revenue_day) filter (where attended) as revenue_day, sum(revenue_28) as revenue_28
    from signed group by all
)
select e.event_id, e.name, e.category, e.store_id, cast(e.start_at as date) as event_day, e.cost, e.chat_id,
    c.name as chat_name, e.reminders,
    coalesce(n.exposed, 0) as exposed, coalesce(n.signed_up, 0) as signed_up,
    coalesce(n.exposed_linked, 0) as exposed_linked, coalesce(n.signed_up_linked, 0) as signed_up_linked,
    coalesce(o.attended, 0) as attended, coalesce(o.returned_7, 0) as returned_7,
    coalesce(o.returned_28, 0) as returned_28, coalesce(o.revenue_day, 0)::double as revenue_day,
    coalesce(o.revenue_28, 0)::double as revenue_28,
    n.exposed_linked / nullif(n.exposed, 0) as match_rate
from event_links e
left join chats c using (chat_id)
left join counts n using (event_id)
left join outcomes o using (event_id)
where $event_ids is null or list_contains($event_ids, e.event_id)
order by e.start_at
