-- title: Weekly diversity
-- grain: one row per (chat_id, week, dimension)
-- params: $chat_ids varchar[] = null, $dimension varchar = null
-- description: Hill numbers per chat and ISO week from rollup diversity_weeks (docs/metrics.md §4.3):
--   topics, speakers and roles, raw (q0, q1, q2) and rarefied to n_star messages, with the chat's
--   name. q1 (effective number) is the headline; compare weeks by q1_rarefied.
select d.*, c.name as chat_name
from diversity_weeks d
join chats c using (chat_id)
where ($chat_ids is null or list_contains($chat_ids, d.chat_id)) and ($dimension is null or d.dimension = $dimension)
order by d.chat_id, d.dimension, d.week
