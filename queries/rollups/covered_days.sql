-- title: Covered days
-- grain: one row per (chat_id, day)
-- params: $chat_ids varchar[]
-- description: The local days some import of the chat covers, from its first to its last message.
--   A covered day with no message is a quiet day; a day outside every import is a gap in the
--   export, not a quiet day (docs/metrics.md §2.1), so metrics count over these days only.
select distinct i.chat_id, cast(d as date) as day
from (
    select unnest(chat_ids) as chat_id, coverage_start, coverage_end from imports
) i,
    lateral (select unnest(generate_series(cast(i.coverage_start as date), cast(i.coverage_end as date),
                                           interval 1 day)) as d)
where list_contains($chat_ids, i.chat_id)
