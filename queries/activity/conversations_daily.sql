-- title: Conversations per day
-- grain: one row per day with a covered day in the selected chats
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $gap_minutes integer = 30
-- description: Conversations started each local day (metrics.md §2.4; a new one after a silence of
--   more than $gap_minutes: 10, 30, 60 or 90), their median length in messages and duration in
--   minutes, the share with at least two speakers (organic speakers with $organic: the best sign
--   of real conversation), and the share started by staff.
with days as (
    select distinct day from covered_days
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
),
convs as (
    select day, n_messages, (epoch(ended_at) - epoch(started_at)) / 60.0 as minutes,
        case when $organic then n_organic_speakers else n_speakers end as speakers, starter_class
    from conversations
    where gap_minutes = $gap_minutes
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
),
per_day as (
    select day, count(*) as conversations, median(n_messages) as median_messages,
        median(minutes) as median_minutes,
        avg(case when speakers >= 2 then 1.0 else 0.0 end) as share_two_speakers,
        avg(case when starter_class = 'staff' then 1.0 else 0.0 end) as share_staff_started
    from convs group by day
),
final as (
    select d.day, coalesce(p.conversations, 0)::bigint as conversations, p.median_messages, p.median_minutes,
        p.share_two_speakers, p.share_staff_started
    from days d left join per_day p using (day)
)
select * from final order by day
