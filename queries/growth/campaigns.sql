-- title: Referral campaigns announced in the chats
-- grain: one row per announcement
-- params: $chat_ids varchar[] = null
-- description: Messages by the owner or staff that announce a reward for inviting a number of
--   people ("邀请10位宝妈进群送…", "拉满5人…"): chat, time and the number (the reward threshold
--   the bunching test looks at, metrics.md §6.3). Read from rollup referral_campaigns.
select r.chat_id, c.name as chat_name, r.ts, r.text, r.threshold
from referral_campaigns r
join chats c using (chat_id)
where $chat_ids is null or list_contains($chat_ids, r.chat_id)
order by r.ts, r.chat_id, r.msg_id
