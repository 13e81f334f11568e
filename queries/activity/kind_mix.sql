-- title: Message kinds over time
-- grain: one row per (period_start, kind)
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $period varchar = 'week'
-- description: Active messages of each kind (text, image, sticker, voice, quote, red packet, 接龙 …)
--   per ISO week or calendar month ($period), and each kind's share of the period.
with cells as (
    select cast(date_trunc($period, day) as date) as period_start, kind, sum(messages)::bigint as messages
    from hourly_activity
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
      and (not $organic or member_class in ('customer', 'expert'))
    group by all
),
final as (
    select period_start, kind, messages,
        messages / sum(messages) over (partition by period_start) as share
    from cells
)
select * from final order by period_start, messages desc, kind
