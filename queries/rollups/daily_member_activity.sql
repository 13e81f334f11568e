-- title: Daily member activity
-- grain: one row per (chat_id, member_id, day); member_id null = sender unknown to the export
-- params: $chat_ids varchar[]
-- description: Messages, active messages (everything but system notices and recall stubs,
--   docs/metrics.md §1.3) and characters per member and local day, with the member's class
--   (view member_classes; no role = customer).
with msgs as (
    select chat_id, member_id, cast(ts as date) as day, count(*)::bigint as messages,
        count(*) filter (where kind not in ('system', 'recall'))::bigint as active_messages,
        coalesce(sum(n_chars), 0)::bigint as n_chars
    from messages
    where chat_id = any($chat_ids)
    group by chat_id, member_id, day
)
select m.*, coalesce(c.member_class, 'customer') as member_class
from msgs m
left join (select * from member_classes where list_contains($chat_ids, chat_id)) c using (chat_id, member_id)
