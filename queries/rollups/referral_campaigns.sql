-- title: Referral campaigns announced in the chats
-- grain: one row per announcement
-- params: $chat_ids varchar[]
-- description: Messages by the owner or staff that announce a reward for inviting a number of
--   people ("邀请10位宝妈进群送…", "拉满5人…"), with the number: the reward threshold the bunching
--   test looks at (metrics.md §6.3). Who is staff comes from rollup chat_members, so a change of
--   roles recounts it with the chat's other rollups.
select m.chat_id, m.msg_id, m.ts, m.text,
    cast(coalesce(nullif(regexp_extract(m.text, '邀请\D{0,4}?(\d{1,3})\s*[位个名人]', 1), ''),
                  regexp_extract(m.text, '拉\D{0,2}?(\d{1,3})\s*[位个名人]', 1)) as integer) as threshold
from messages m
join chat_members cm using (chat_id, member_id)
where m.chat_id = any($chat_ids) and cm.chat_id = any($chat_ids)
  and m.kind = 'text' and (contains(m.text, '邀请') or contains(m.text, '拉')) and not cm.is_organic
  and regexp_matches(m.text, '(邀请|拉)\D{0,4}?\d{1,3}\s*[位个名人].{0,20}(送|领|奖|礼)')
