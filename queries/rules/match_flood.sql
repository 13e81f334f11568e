-- title: Rule check: flooding
-- grain: one row per matching message
-- params: $chat_ids varchar[] = null, $count integer = 10, $minutes integer = 2, $repeat integer = 4, $min_chars integer = 10, $applies_to varchar = 'organic'
-- description: Active messages of a member who posted $count or more within one $minutes-long
--   slot of the clock, or the same text ($min_chars characters or more: short reactions such as
--   哈哈哈哈 or 一样一样 are said again and again) $repeat or more times in a day,
--   from the members $applies_to names. detail says which.
with checked as (
    select m.chat_id, m.msg_id, m.member_id, m.ts, m.kind, m.text, m.n_chars,
        time_bucket(to_minutes($minutes), m.ts) as slot, cast(m.ts as date) as day
    from messages m
    join chat_members cm using (chat_id, member_id)
    where m.kind not in ('system', 'recall')
      and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
      and ($applies_to = 'everyone' or ($applies_to = 'organic' and cm.is_organic)
           or ($applies_to = 'customers' and cm.member_class = 'customer'))
),
bursts as (
    select chat_id, member_id, slot, count(*) as n from checked group by all having count(*) >= $count
),
repeats as (
    select chat_id, member_id, day, text, count(*) as n
    from checked
    where kind = 'text' and n_chars >= $min_chars
    group by all
    having count(*) >= $repeat
)
select c.chat_id, c.msg_id, c.member_id, c.ts,
    coalesce(b.n || ' 条/' || $minutes || ' 分钟', '同一句 ' || r.n || ' 次') as detail
from checked c
left join bursts b using (chat_id, member_id, slot)
left join repeats r on r.chat_id = c.chat_id and r.member_id = c.member_id and r.day = c.day and r.text = c.text
where b.n is not null or r.n is not null
