-- title: Conversations per day
-- grain: one row per day with a covered day in the selected chats
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $gap_minutes integer = 30
-- description: Conversations started each local day (docs/metrics.md §2.4; a new one after a silence of
--   more than $gap_minutes: 10, 30, 60 or 90), their median length in messages and duration in
--   minutes, the share with at least two speakers (organic speakers with $organic: the best sign
--   of real conversation), and the share started by staff.
with days as (
    select distinct day from covered_days
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
),
counts as (
    select day, sum(conversations) as conversations,
        sum(case when $organic then two_organic_speakers else two_speakers end) / sum(conversations)
            as share_two_speakers,
        sum(staff_started) / sum(conversations) as share_staff_started
    from conversation_days
    where gap_minutes = $gap_minutes
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
    group by day
),
medians as (
    select day, median(n_messages) as median_messages, median(duration_s / 60.0) as median_minutes
    from conversations
    where gap_minutes = $gap_minutes
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
    group by day
),
final as (
    select d.day, coalesce(c.conversations, 0)::bigint as conversations, m.median_messages, m.median_minutes,
        c.share_two_speakers::double as share_two_speakers, c.share_staff_started::double as share_staff_started
    from days d left join counts c using (day) left join medians m using (day)
)
select * from final order by day
