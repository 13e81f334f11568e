-- title: Referral campaigns announced in the chats
-- grain: one row per announcement
-- params: $chat_ids varchar[] = null
-- description: Messages by the owner or staff that announce a reward for inviting a number of
--   people ("邀请10位宝妈进群送…", "拉满5人…"): chat, time and the number (the reward threshold
--   the bunching test looks at, docs/metrics.md §6.3). Rollup staff_notices, kind referral.
select n.chat_id, c.name as chat_name, n.ts, n.text, n.threshold
from staff_notices n
join chats c using (chat_id)
where n.kind = 'referral' and ($chat_ids is null or list_contains($chat_ids, n.chat_id))
order by n.ts, n.chat_id, n.msg_id
