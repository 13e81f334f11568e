-- title: Conversation summary
-- grain: one row per (chat_id, gap_minutes) for the gaps 10, 30, 60 and 90 minutes
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Per chat and silence threshold (metrics.md §2.4, with its sensitivity strip):
--   conversations per covered day, median length and duration, the share with at least two
--   speakers (organic speakers with $organic), who starts them (staff or members), and the share
--   of staff-started conversations that drew at least one organic reply.
with covered as (
    select chat_id, count(*) as covered_days from covered_days
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
    group by all
),
per_chat as (
    select chat_id, gap_minutes, count(*) as conversations,
        median(n_messages) as median_messages,
        median((epoch(ended_at) - epoch(started_at)) / 60.0) as median_minutes,
        avg(case when (case when $organic then n_organic_speakers else n_speakers end) >= 2 then 1.0 else 0.0 end)
            as share_two_speakers,
        avg(case when starter_class = 'staff' then 1.0 else 0.0 end) as share_staff_started,
        avg(case when drew_organic_reply then 1.0 else 0.0 end) filter (where starter_class = 'staff')
            as staff_started_replied
    from conversations
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
    group by all
),
final as (
    select p.chat_id, c.name as chat_name, p.gap_minutes, p.conversations,
        p.conversations / nullif(cv.covered_days, 0) as per_day, p.median_messages, p.median_minutes,
        p.share_two_speakers, p.share_staff_started, p.staff_started_replied
    from per_chat p join chats c using (chat_id) join covered cv using (chat_id)
)
select * from final order by chat_name, gap_minutes
