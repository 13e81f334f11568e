-- title: Conversations
-- grain: one row per (chat_id, gap_minutes, conv_no)
-- params: $chat_ids varchar[]
-- description: Conversations (docs/metrics.md §2.4): a chat's active messages in time order, a new
--   conversation starting whenever the gap to the previous message exceeds gap_minutes (10, 30, 60
--   and 90, so the page can switch and show the sensitivity). Per conversation: start, end,
--   messages, distinct speakers and organic speakers, who sent the first message and whether an
--   organic member other than that person spoke in it, its duration, and how many customers, staff
--   and experts spoke in it (role mixing, docs/metrics.md §4.3). Staff messages stay in: they keep talk
--   going too.
with msgs as (
    select m.chat_id, m.msg_id, m.member_id, m.ts, coalesce(c.member_class, 'customer') as member_class
    from messages m
    left join (select * from member_classes where list_contains($chat_ids, chat_id)) c using (chat_id, member_id)
    where m.chat_id = any($chat_ids) and m.kind not in ('system', 'recall')
),
gaps as (
    select *, epoch(ts) - epoch(lag(ts) over (partition by chat_id order by ts, msg_id)) as gap_s
    from msgs
),
marked as (
    select g.*, t.gap_minutes,
        sum(case when g.gap_s is null or g.gap_s > t.gap_minutes * 60 then 1 else 0 end) over (
            partition by g.chat_id, t.gap_minutes order by g.ts, g.msg_id rows unbounded preceding) as conv_no
    from gaps g, (select unnest([10, 30, 60, 90]) as gap_minutes) t
),
with_starter as (
    select *, first_value(member_id) over (partition by chat_id, gap_minutes, conv_no order by ts, msg_id)
        as starter_member
    from marked
),
final as (
    select chat_id, gap_minutes, conv_no::bigint as conv_no,
        min(ts) as started_at, cast(min(ts) as date) as day, max(ts) as ended_at,
        epoch(max(ts)) - epoch(min(ts)) as duration_s,
        count(*)::bigint as n_messages,
        count(distinct member_id)::bigint as n_speakers,
        count(distinct member_id) filter (where member_class in ('customer', 'expert'))::bigint as n_organic_speakers,
        count(distinct member_id) filter (where member_class = 'customer')::bigint as n_customer_speakers,
        count(distinct member_id) filter (where member_class = 'staff')::bigint as n_staff_speakers,
        count(distinct member_id) filter (where member_class = 'expert')::bigint as n_expert_speakers,
        arg_min_null(member_id, (ts, msg_id)) as starter_id,
        arg_min(member_class, (ts, msg_id)) as starter_class,
        -- an organic member other than the one who started it spoke
        count(*) filter (where member_class in ('customer', 'expert') and member_id is distinct from starter_member)
            > 0 as drew_organic_reply
    from with_starter
    group by chat_id, gap_minutes, conv_no
)
select * from final
