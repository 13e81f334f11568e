-- title: Rule check: posting hours
-- grain: one row per matching message
-- params: $chat_ids varchar[] = null, $start integer = 23, $end integer = 7, $applies_to varchar = 'organic'
-- description: Active messages posted from $start o'clock up to $end o'clock local time (the
--   span may wrap past midnight), from the members $applies_to names. detail is the local time.
select m.chat_id, m.msg_id, m.member_id, m.ts, strftime(m.ts, '%H:%M') as detail
from messages m
join chat_members cm using (chat_id, member_id)
where m.kind not in ('system', 'recall')
      and case when $start <= $end then hour(m.ts) >= $start and hour(m.ts) < $end
               else hour(m.ts) >= $start or hour(m.ts) < $end end
      and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
      and ($applies_to = 'everyone' or ($applies_to = 'organic' and cm.is_organic)
           or ($applies_to = 'customers' and cm.member_class = 'customer'))
