-- title: Hourly activity
-- grain: one row per (chat_id, day, hour, kind, member_class)
-- params: $chat_ids varchar[]
-- description: Active messages per local day and hour, message kind and member class, for the
--   hour × weekday heatmap, the staff overlay and the kind mix.
select m.chat_id, cast(m.ts as date) as day, hour(m.ts) as hour, m.kind,
    coalesce(c.member_class, 'customer') as member_class, count(*)::bigint as messages
from messages m
left join (select * from member_classes where list_contains($chat_ids, chat_id)) c using (chat_id, member_id)
where m.chat_id = any($chat_ids) and m.kind not in ('system', 'recall')
group by all
