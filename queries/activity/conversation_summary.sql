-- title: Conversation summary
-- grain: one row per (chat_id, gap_minutes) for the gaps 10, 30, 60 and 90 minutes; with $by_chat false one row per gap for the selected chats together (chat_id null)
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $by_chat boolean = true
-- description: Per chat and silence threshold (docs/metrics.md §2.4, with its sensitivity strip):
--   conversations per covered day, median length and duration, the share with at least two
--   speakers (organic speakers with $organic), who starts them (staff or members), and the share
--   of staff-started conversations that drew at least one organic reply. The medians are exact,
--   read off the counts of each length and duration: with every chat of a chain together that is
--   a few thousand values to walk instead of millions to sort.
with covered as (
    select case when $by_chat then chat_id end as scope, count(*) as covered_days from covered_days
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
    group by all
),
counts as (
    select case when $by_chat then chat_id end as scope, gap_minutes, sum(conversations) as conversations,
        sum(case when $organic then two_organic_speakers else two_speakers end) / sum(conversations)
            as share_two_speakers,
        sum(staff_started) / sum(conversations) as share_staff_started,
        sum(staff_started_replied) / nullif(sum(staff_started), 0) as staff_started_replied
    from conversation_days
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
    group by all
),
convs as not materialized (
    select case when $by_chat then chat_id end as scope, gap_minutes, n_messages, duration_s
    from conversations
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
),
lengths as (
    select scope, gap_minutes, 'messages' as measure, n_messages::double as v, count(*) as n from convs group by all
    union all
    select scope, gap_minutes, 'minutes' as measure, duration_s / 60.0 as v, count(*) as n from convs group by all
),
running as (
    select *, sum(n) over (partition by scope, gap_minutes, measure order by v rows unbounded preceding) as upto,
        sum(n) over (partition by scope, gap_minutes, measure) as total
    from lengths
),
medians as (
    -- the middle value, or the mean of the two middle values when the count is even
    select scope, gap_minutes,
        (min(v) filter (where measure = 'messages' and 2 * upto >= total)
         + min(v) filter (where measure = 'messages' and 2 * upto >= total + 1)) / 2 as median_messages,
        (min(v) filter (where measure = 'minutes' and 2 * upto >= total)
         + min(v) filter (where measure = 'minutes' and 2 * upto >= total + 1)) / 2 as median_minutes
    from running group by all
),
final as (
    select k.scope as chat_id, c.name as chat_name, k.gap_minutes, k.conversations::bigint as conversations,
        k.conversations / nullif(cv.covered_days, 0) as per_day, m.median_messages, m.median_minutes,
        k.share_two_speakers::double as share_two_speakers, k.share_staff_started::double as share_staff_started,
        k.staff_started_replied::double as staff_started_replied
    from counts k
    join medians m on m.scope is not distinct from k.scope and m.gap_minutes = k.gap_minutes
    join covered cv on cv.scope is not distinct from k.scope
    left join chats c on c.chat_id = k.scope
)
select * from final order by chat_name nulls first, gap_minutes
