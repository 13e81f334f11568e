-- title: Chat cards
-- grain: one row per chat
-- params: $chat_ids varchar[] = null, $end date = null, $organic boolean = false
-- description: Per chat, on its last covered day up to $end (an export is a snapshot, not a live
--   feed): members present, speakers in the last 7 and 28 days (WAU, MAU28) and the same a period
--   earlier, active messages in the last 28 days and the 28 before, the weekly speaker rate (WAU ÷
--   members in the chat in those 7 days); and
--   the coverage: first and last day, whose exports, and covered days against calendar days.
with chats_in as (
    select * from chats where $chat_ids is null or list_contains($chat_ids, chat_id)
),
days as (
    select * from chat_day_speakers
    where organic = $organic and ($chat_ids is null or list_contains($chat_ids, chat_id))
),
anchor as (
    select chat_id, max(day) as day from days where $end is null or day <= $end group by all
),
now_ as (
    select d.chat_id, d.members, d.members_7d, d.wau, d.mau28 from days d join anchor a using (chat_id, day)
),
before as (
    -- a period earlier: the last covered day at least 7 (28) days before the anchor
    select a.chat_id, p7.wau as wau_prev, p28.mau28 as mau28_prev
    from anchor a
    asof left join (select chat_id, day, wau from days) p7 on p7.chat_id = a.chat_id and a.day - 7 >= p7.day
    asof left join (select chat_id, day, mau28 from days) p28 on p28.chat_id = a.chat_id and a.day - 28 >= p28.day
),
messages as (
    select a.chat_id,
        sum(d.messages) filter (where d.day > a.day - 28) as messages_28d,
        sum(d.messages) filter (where d.day <= a.day - 28) as messages_prev_28d
    from anchor a join days d on d.chat_id = a.chat_id and d.day > a.day - 56 and d.day <= a.day
    group by a.chat_id
),
coverage as (
    select chat_id, min(day) as first_day, max(day) as last_day, count(*) as covered_days
    from covered_days group by all
),
exporters as (
    select chat_id, string_agg(distinct coalesce(exporter_name, exporter_account), '、') as exporters,
        count(*) as n_imports
    from (select unnest(chat_ids) as chat_id, exporter_name, exporter_account from imports)
    group by all
),
totals as (
    select chat_id, sum(messages)::bigint as messages from daily_chat_activity group by all
),
final as (
    select ch.chat_id, ch.name, ch.platform, ch.kind, ch.store_id, a.day as as_of,
        coalesce(n.members, 0)::bigint as members,
        coalesce(t.messages, 0)::bigint as messages,
        coalesce(n.wau, 0)::bigint as speakers_7d, b.wau_prev as speakers_7d_prev,
        coalesce(n.mau28, 0)::bigint as speakers_28d, b.mau28_prev as speakers_28d_prev,
        coalesce(m.messages_28d, 0)::bigint as messages_28d, m.messages_prev_28d::bigint as messages_prev_28d,
        n.wau / nullif(n.members_7d, 0) as speaker_rate,
        cv.first_day, cv.last_day, cv.covered_days,
        cv.last_day - cv.first_day + 1 - cv.covered_days as gap_days,
        e.exporters, e.n_imports
    from chats_in ch
    left join anchor a using (chat_id)
    left join now_ n using (chat_id)
    left join before b using (chat_id)
    left join messages m using (chat_id)
    left join coverage cv using (chat_id)
    left join exporters e using (chat_id)
    left join totals t using (chat_id)
)
select * from final order by messages desc, name
