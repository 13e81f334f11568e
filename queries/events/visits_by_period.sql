-- title: Store visits per period
-- grain: one row per period (day, ISO week or month)
-- params: $period varchar = 'week', $start date = null, $end date = null
-- description: Store visit-days per day, ISO week or calendar month (a member's distinct days with
--   a purchase; each walk-in order counts once), for drawing visits on the activity timeline.
select cast(date_trunc($period, cast(ts as date)) as date) as period_start,
    (count(distinct (customer_id, cast(ts as date))) filter (where customer_id is not null)
     + count(*) filter (where customer_id is null))::bigint as visits
from visits
where ($start is null or cast(ts as date) >= $start) and ($end is null or cast(ts as date) <= $end)
group by all
order by period_start
