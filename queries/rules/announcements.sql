-- title: Group-rule announcements in the chats
-- grain: one row per announcement
-- params: $chat_ids varchar[] = null
-- description: Texts by the owner or staff that state a group rule (群规, 禁止, 严禁, 不允许, 请勿,
--   不得): the days the group's rules were (re)stated, which the Group rules page compares hits
--   around, beside the changes the owner marks in her rule set. Rollup staff_notices, kind rule.
select n.chat_id, c.name as chat_name, n.ts, n.text
from staff_notices n
join chats c using (chat_id)
where n.kind = 'rule' and ($chat_ids is null or list_contains($chat_ids, n.chat_id))
order by n.ts, n.chat_id, n.msg_id
