-- title: Cold spells (冷场)
-- grain: one row per silence: a waking-hours gap between organic messages over the chat's threshold
-- params: $chat_ids varchar[] = null, $wake_from integer = 8, $wake_to integer = 22, $min_hours double = 4, $quantile double = 0.95, $reply_minutes integer = 60
-- description: docs/metrics.md §3.2. Gaps between consecutive organic messages (customers and experts)
--   measured in waking time only ($wake_from:00 to $wake_to:00 local; a gap from 21:00 to 09:00 is two
--   waking hours), so nights never count. A gap is a cold spell when it exceeds
--   max($min_hours, the $quantile quantile of the chat's waking gaps that ended in the 28 days
--   before). Gaps across days the export does not cover are left out. Who broke it (breaker_id and
--   the name they go by in the chat): the last message from staff, an alt or a bot during the
--   silence if there was one (an icebreaker, answered when organic talk followed within
--   $reply_minutes), else the organic member who spoke first after it (answered when another
--   organic member posted within $reply_minutes).
with active as (
    select m.chat_id, m.msg_id, m.member_id, m.ts, coalesce(c.member_class, 'customer') as member_class,
        -- seconds of waking time from a fixed origin: whole days plus the waking part of this day
        (cast(m.ts as date) - date '2000-01-01') * ($wake_to - $wake_from) * 3600
            + least(greatest(hour(m.ts) * 3600 + minute(m.ts) * 60 + microsecond(m.ts) / 1000000.0 - $wake_from * 3600, 0),
                    ($wake_to - $wake_from) * 3600) as waking_clock
    from messages m
    left join (select * from member_classes where $chat_ids is null or list_contains($chat_ids, chat_id)) c
        using (chat_id, member_id)
    where ($chat_ids is null or list_contains($chat_ids, m.chat_id))
      and m.kind not in ('system', 'recall') and m.member_id is not null
),
organic as (
    select *, lag(ts) over w as prev_ts, lag(waking_clock) over w as prev_clock
    from active where member_class in ('customer', 'expert')
    window w as (partition by chat_id order by ts, msg_id)
),
gaps as (
    select chat_id, prev_ts as silent_from, ts as silent_to, member_id as organic_breaker, member_class as organic_class,
        (waking_clock - prev_clock) / 3600.0 as waking_hours
    from organic
    where prev_ts is not null
),
covered_gaps as (
    -- every day the gap spans is covered by an export
    select g.* from gaps g
    where (select count(*) from covered_days d
           where d.chat_id = g.chat_id and d.day between cast(g.silent_from as date) and cast(g.silent_to as date))
        = cast(g.silent_to as date) - cast(g.silent_from as date) + 1
),
thresholds as (
    select *, greatest($min_hours, coalesce(quantile_cont(waking_hours, $quantile) over (
        partition by chat_id order by silent_to range between interval 28 days preceding and interval 1 microsecond preceding),
        $min_hours)) as threshold_hours
    from covered_gaps
),
spells as (
    select t.*,
        (select arg_max(a.msg_id, (a.ts, a.msg_id)) from active a
         where a.chat_id = t.chat_id and a.ts > t.silent_from and a.ts < t.silent_to
           and a.member_class not in ('customer', 'expert')) as icebreaker_msg
    from thresholds t
    where t.waking_hours > t.threshold_hours
),
final as (
    select s.chat_id, c.name as chat_name, s.silent_from, s.silent_to,
        cast(date_trunc('week', s.silent_to) as date) as week, s.waking_hours, s.threshold_hours,
        coalesce(i.member_id, s.organic_breaker) as breaker_id,
        coalesce(n.name, i.member_id, s.organic_breaker) as breaker_name,
        coalesce(i.member_class, s.organic_class) as breaker_class,
        coalesce(i.ts, s.silent_to) as broken_at,
        case when i.msg_id is not null then s.silent_to <= i.ts + to_minutes($reply_minutes::bigint)
             else exists (select 1 from active o
                          where o.chat_id = s.chat_id and o.member_class in ('customer', 'expert')
                            and o.member_id <> s.organic_breaker and o.ts >= s.silent_to
                            and o.ts <= s.silent_to + to_minutes($reply_minutes::bigint)) end as answered
    from spells s
    join chats c using (chat_id)
    left join active i on i.chat_id = s.chat_id and i.msg_id = s.icebreaker_msg
    left join chat_members n on n.chat_id = s.chat_id and n.member_id = coalesce(i.member_id, s.organic_breaker)
)
select * from final order by chat_name, silent_from
