-- title: The messages of rule hits
-- grain: one row per message
-- params: $chat_ids varchar[] = null, $msg_ids varchar[] = null
-- description: Kind, text and sender name of the messages $msg_ids (a join notice for an invite
--   hit), kept with the hits in table rule_hits so that the Group rules page does not look them up
--   among every message on each draw.
select m.chat_id, m.msg_id, m.kind, m.text, m.sender_name
from messages m
where m.msg_id in (select unnest(coalesce($msg_ids, []::varchar[])))
  and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
