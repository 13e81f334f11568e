-- title: Reply edges of chats
-- grain: one row per (chat_id, week, source_id, target_id)
-- params: $chat_ids varchar[]
-- description: The reply_edges rollup of the given chats, with both ends' names: who answered whom
--   each week, strong (quote, @mention) and weak (adjacency) counts (docs/metrics.md §4.1).
select e.*, s.name as source_name, t.name as target_name
from reply_edges e
left join (select chat_id, member_id, name from chat_members where list_contains($chat_ids, chat_id)) s
    on s.chat_id = e.chat_id and s.member_id = e.source_id
left join (select chat_id, member_id, name from chat_members where list_contains($chat_ids, chat_id)) t
    on t.chat_id = e.chat_id and t.member_id = e.target_id
where list_contains($chat_ids, e.chat_id)
order by e.chat_id, e.week, e.source_id, e.target_id
