-- title: Entry thresholds the owner marked
-- grain: one row per (chat_id, start_on)
-- params: $chat_ids varchar[] = null
-- description: Table join_regimes with the chat's name: the periods the owner marked, from
--   start_on to end_on (inclusive; null = still), with the threshold new members passed (free,
--   invite_only, paid, purchase, question) and her note.
select r.chat_id, c.name as chat_name, r.start_on, r.end_on, r.threshold, r.detail
from join_regimes r
join chats c using (chat_id)
where $chat_ids is null or list_contains($chat_ids, r.chat_id)
order by c.name, r.start_on
