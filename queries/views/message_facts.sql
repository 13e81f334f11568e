-- title: Message facts
-- grain: one row per message
-- description: Messages with their local day and whether they are active (user-initiated:
--   everything but system notices and recall stubs, docs/metrics.md §1.3).
select
    m.*,
    cast(m.ts as date) as day,
    m.kind not in ('system', 'recall') as is_active
from messages m
