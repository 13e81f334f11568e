-- title: Visits per store and day
-- grain: one row per (store_id, day)
-- params: none
-- description: What rollup store_days holds, computed from every visit: per store and local day,
--   members' visit-days (distinct customers with a purchase that day), orders without a
--   membership, and revenue.
select store_id, cast(ts as date) as day,
    count(distinct customer_id)::bigint as member_visit_days,
    count(*) filter (where customer_id is null)::bigint as walk_in_orders,
    coalesce(sum(amount), 0)::double as revenue
from visits
group by all
order by store_id, day
