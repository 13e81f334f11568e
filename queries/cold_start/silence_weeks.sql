-- title: Silence, week by week
-- grain: one row per (chat_id, week) with a covered day; week = the Monday it starts on
-- params: $chat_ids varchar[] = null, $wake_from integer = 8, $wake_to integer = 22
-- description: docs/metrics.md §3.2 per calendar week: the silence ratio, the share of waking hours
--   (hour bins from $wake_from to $wake_to on covered days) with no organic message; days with no
--   organic message at all, and the longest run of them inside the week. The week's cold spells
--   come from cold_start/cold_spells.
with covered as (
    select chat_id, day, cast(date_trunc('week', day) as date) as week from covered_days
    where $chat_ids is null or list_contains($chat_ids, chat_id)
),
organic_hours as (
    select chat_id, day, count(distinct hour) as hours_heard
    from hourly_activity
    where member_class in ('customer', 'expert') and hour >= $wake_from and hour < $wake_to
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
    group by all
),
days as (
    select c.*, coalesce(o.hours_heard, 0) as hours_heard, coalesce(s.messages, 0) = 0 as silent_day
    from covered c
    left join organic_hours o using (chat_id, day)
    left join chat_day_speakers s on s.chat_id = c.chat_id and s.day = c.day and s.organic
),
runs as (
    -- consecutive silent days share (day - their rank among silent days)
    select chat_id, week, day - cast(row_number() over (partition by chat_id, week order by day) as integer) as run_key
    from days where silent_day
),
streaks as (
    select chat_id, week, max(n) as longest_silent_days
    from (select chat_id, week, run_key, count(*) as n from runs group by all) group by all
),
final as (
    select d.chat_id, c.name as chat_name, d.week, count(*) as covered_days,
        1 - sum(d.hours_heard) / (count(*) * ($wake_to - $wake_from)) as silence_ratio,
        count(*) filter (where d.silent_day) as silent_days,
        coalesce(any_value(st.longest_silent_days), 0) as longest_silent_days
    from days d
    join chats c using (chat_id)
    left join streaks st using (chat_id, week)
    group by d.chat_id, c.name, d.week
)
select * from final order by chat_name, week
