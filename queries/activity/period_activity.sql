-- title: Messages and speakers per day, week or month
-- grain: one row per (chat_id, period_start); with $by_chat false, one row per period_start
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $period varchar = 'week', $by_chat boolean = true
-- description: Active messages and distinct speakers per local day, ISO week or calendar month
--   ($period: day, week, month), with how many of the period's days the export covers. Weeks
--   and months are the whole calendar period containing a covered day in [$start, $end]. With
--   $by_chat false the chats are summed per period (chat_id null; covered_days then counts
--   chat-days, speakers a person once per chat).
with chats_in as (
    select chat_id, name from chats where $chat_ids is null or list_contains($chat_ids, chat_id)
),
daily as (
    select chat_id, day as period_start, 1 as covered_days, messages, speakers
    from chat_day_speakers
    where $period = 'day' and organic = $organic
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
),
in_window as (
    select distinct chat_id, cast(date_trunc($period, day) as date) as period_start
    from covered_days
    where $period <> 'day'
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
),
longer as (
    select s.chat_id, s.period_start, s.covered_days, s.messages, s.speakers
    from chat_period_speakers s
    semi join in_window w on w.chat_id = s.chat_id and w.period_start = s.period_start
    where s.period = $period and s.organic = $organic
),
periods as (
    select * from daily union all select * from longer
),
grouped as (
    select * from periods where $by_chat
    union all
    select null, period_start, sum(covered_days), sum(messages), sum(speakers)
    from periods where not $by_chat group by period_start
),
final as (
    select p.chat_id, c.name as chat_name, p.period_start, p.covered_days::bigint as covered_days,
        p.messages::bigint as messages, p.speakers::bigint as speakers
    from grouped p
    left join chats_in c using (chat_id)
)
select * from final order by period_start, chat_name
