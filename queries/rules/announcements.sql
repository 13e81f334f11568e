-- title: Group-rule announcements in the chats
-- grain: one row per announcement
-- params: $chat_ids varchar[] = null
-- description: Texts by the owner or staff that state a group rule (群规, 禁止, 严禁, 不允许, 请勿,
--   不得): the days the group's rules were (re)stated, which the Group rules page compares hits
--   around, beside the changes the owner marks in her rule set.
select m.chat_id, c.name as chat_name, m.ts, m.text
from messages m
join chats c using (chat_id)
join chat_members cm using (chat_id, member_id)
where not cm.is_organic and m.kind = 'text'
  and (contains(m.text, '禁') or contains(m.text, '群规') or contains(m.text, '不允许') or contains(m.text, '请勿')
       or contains(m.text, '不得'))
  and regexp_matches(m.text, '群规|禁止|严禁|不允许|请勿|不得')
  and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
order by m.ts
