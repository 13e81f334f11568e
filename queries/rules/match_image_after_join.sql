-- title: Rule check: images posted right after joining
-- grain: one row per matching message
-- params: $chat_ids varchar[] = null, $minutes integer = 30, $applies_to varchar = 'organic'
-- description: Images a member posted within $minutes of joining the chat (their latest join),
--   from the members $applies_to names: a stranger whose first post is a picture is usually
--   sharing a QR code. detail is the minutes after joining.
select m.chat_id, m.msg_id, m.member_id, m.ts,
    cast(date_diff('minute', cm.joined_at, m.ts) as varchar) || ' min' as detail
from messages m
join chat_members cm using (chat_id, member_id)
where m.kind = 'image' and cm.joined_at is not null
      and m.ts >= cm.joined_at and m.ts < cm.joined_at + to_minutes($minutes)
      and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
      and ($applies_to = 'everyone' or ($applies_to = 'organic' and cm.is_organic)
           or ($applies_to = 'customers' and cm.member_class = 'customer'))
