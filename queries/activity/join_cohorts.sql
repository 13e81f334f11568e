-- title: Join-week cohorts
-- grain: one row per ISO week in which members entered
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Members who entered the selected chats each ISO week (docs/metrics.md §2.6: their join,
--   or failing that when they were first seen, flagged approximate; members who were there before
--   the export began are no cohort), the share who spoke within 7
--   days (activation) and the bracket speaking retention: the share who spoke in week w + 1, 2, 4
--   and 8. A week the export does not reach yet is null, not zero: a member counts toward week
--   w + k only when their chat's coverage runs to the end of that week.
with last_day as (
    select chat_id, max(day) as last_day from covered_days group by all
),
cohort as (
    select cast(date_trunc('week', m.entered_on) as date) as cohort_week, m.*, l.last_day
    from chat_members m join last_day l using (chat_id)
    where m.entered_on is not null and not m.predates
      and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
      and ($start is null or m.entered_on >= $start) and ($end is null or m.entered_on <= $end)
      and (not $organic or m.is_organic)
),
final as (
    select cohort_week, count(*) as members,
        count(*) filter (where entered_approx) as approximate,
        avg(case when activated then 1.0 else 0.0 end) filter (where entered_on + 6 <= last_day) as activated,
        avg(case when spoke_week_1 then 1.0 else 0.0 end) filter (where cohort_week + 13 <= last_day) as week_1,
        avg(case when spoke_week_2 then 1.0 else 0.0 end) filter (where cohort_week + 20 <= last_day) as week_2,
        avg(case when spoke_week_4 then 1.0 else 0.0 end) filter (where cohort_week + 34 <= last_day) as week_4,
        avg(case when spoke_week_8 then 1.0 else 0.0 end) filter (where cohort_week + 62 <= last_day) as week_8
    from cohort
    group by cohort_week
)
select * from final order by cohort_week
