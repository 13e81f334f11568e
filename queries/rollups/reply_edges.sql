-- title: Reply edges
-- grain: one row per (chat_id, week, source_id, target_id)
-- params: $chat_ids varchar[]
-- description: Who answered whom, per ISO week (docs/metrics.md §2.3 and §4.1). Strong: a message that
--   quotes the target's message or @mentions the target. Weak (adjacency): a message that quotes and
--   mentions no one and comes right after the target's, within 10 minutes. Self-replies and unknown
--   senders are left out. With the classes of both ends, for the customer-to-customer share.
with msgs as (
    select m.chat_id, m.msg_id, m.member_id, m.ts, m.reply_to_msg_id, m.mentions,
        lag(m.member_id) over w as prev_id,
        lag(m.ts) over w as prev_ts
    from messages m
    where m.chat_id = any($chat_ids) and m.kind not in ('system', 'recall')
    window w as (partition by m.chat_id order by m.ts, m.msg_id)
),
quoted as (
    select r.chat_id, r.msg_id, r.ts, r.member_id as source_id, q.member_id as target_id
    from msgs r
    join msgs q on q.chat_id = r.chat_id and q.msg_id = r.reply_to_msg_id
),
mentioned as (
    select chat_id, msg_id, ts, member_id as source_id, unnest(mentions) as target_id
    from msgs
    where len(mentions) > 0
),
strong as (
    select distinct chat_id, msg_id, ts, source_id, target_id
    from (select * from quoted union all select * from mentioned)
    where source_id is not null and target_id is not null and source_id <> target_id
),
weak as (
    select chat_id, msg_id, ts, member_id as source_id, prev_id as target_id
    from msgs
    where member_id is not null and prev_id is not null and prev_id <> member_id
      and ts <= prev_ts + interval 10 minute
      and reply_to_msg_id is null and coalesce(len(mentions), 0) = 0
),
edges as (
    select chat_id, cast(date_trunc('week', ts) as date) as week, source_id, target_id,
        count(*) filter (where strength = 'strong')::bigint as strong,
        count(*) filter (where strength = 'weak')::bigint as weak
    from (select *, 'strong' as strength from strong union all select *, 'weak' from weak)
    group by all
),
classes as (select * from member_classes where list_contains($chat_ids, chat_id))
select e.chat_id, e.week, e.source_id, e.target_id,
    coalesce(s.member_class, 'customer') as source_class, coalesce(t.member_class, 'customer') as target_class,
    e.strong, e.weak
from edges e
left join classes s on s.chat_id = e.chat_id and s.member_id = e.source_id
left join classes t on t.chat_id = e.chat_id and t.member_id = e.target_id
