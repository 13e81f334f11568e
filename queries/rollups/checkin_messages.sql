-- title: "I'm at the shop" messages
-- grain: one row per message
-- params: $chat_ids varchar[]
-- description: Text messages in which a member says they are at the shop (到店了, 我在店里 …), the
--   clue that links a member to the customer whose visit follows (docs/metrics.md §5.1). Kept apart so
--   link suggestions never scan every message.
select chat_id, msg_id, member_id, ts, text
from messages
where chat_id = any($chat_ids) and kind = 'text' and member_id is not null
  and (contains(text, '到店') or contains(text, '店里') or contains(text, '到门店'))
  and regexp_matches(text, '到店了|到店啦|我在店里|在店里了|已到店|到门店了')
