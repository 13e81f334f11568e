-- title: Chat births
-- grain: one row per chat
-- params: $chat_ids varchar[] = null
-- description: When each group was born and whether the export shows it (view chat_births).
select chat_id, born_at, birth_seen from chat_births
where $chat_ids is null or list_contains($chat_ids, chat_id)
order by chat_id
