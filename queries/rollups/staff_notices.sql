-- title: Notices by the owner or staff
-- grain: one row per (message, kind of notice)
-- params: $chat_ids varchar[]
-- description: Texts by the owner or staff (rollup chat_members: a change of roles recounts them
--   with the chat's other rollups) that the pages read as dated marks, found once per import
--   rather than among every message on each draw:
--   referral: a reward for inviting a number of people ("邀请10位宝妈进群送…", "拉满5人…"), with
--     that number in threshold, the reward threshold the bunching test looks at (docs/metrics.md §6.3);
--   rule: a group rule stated (群规, 禁止, 严禁, 不允许, 请勿, 不得), the days the Group rules page
--     compares hits around.
with staff_texts as (
    select m.chat_id, m.msg_id, m.ts, m.text
    from messages m
    join chat_members cm using (chat_id, member_id)
    where m.chat_id = any($chat_ids) and cm.chat_id = any($chat_ids)
      and m.kind = 'text' and not cm.is_organic
      -- plain contains first: the regular expressions then run on a few texts, not all
      and (contains(m.text, '邀请') or contains(m.text, '拉') or contains(m.text, '禁') or contains(m.text, '群规')
           or contains(m.text, '不允许') or contains(m.text, '请勿') or contains(m.text, '不得'))
)
select chat_id, msg_id, ts, text, 'referral' as kind,
    cast(coalesce(nullif(regexp_extract(text, '邀请\D{0,4}?(\d{1,3})\s*[位个名人]', 1), ''),
                  regexp_extract(text, '拉\D{0,2}?(\d{1,3})\s*[位个名人]', 1)) as integer) as threshold
from staff_texts
where regexp_matches(text, '(邀请|拉)\D{0,4}?\d{1,3}\s*[位个名人].{0,20}(送|领|奖|礼)')
union all
select chat_id, msg_id, ts, text, 'rule' as kind, null as threshold
from staff_texts
where regexp_matches(text, '群规|禁止|严禁|不允许|请勿|不得')
