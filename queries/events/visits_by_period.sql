-- title: Store visits per period
-- grain: one row per period (day, ISO week or month)
-- params: $period varchar = 'week', $start date = null, $end date = null
-- description: Store visit-days per day, ISO week or calendar month (a member's distinct days with
--   a purchase; each walk-in order counts once; rollup store_days), for drawing visits on the
--   activity timeline.
select cast(date_trunc($period, day) as date) as period_start,
    sum(member_visit_days + walk_in_orders)::bigint as visits
from store_days
where ($start is null or day >= $start) and ($end is null or day <= $end)
group by all
order by period_start
