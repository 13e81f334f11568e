-- title: Red-packet windows (rollup)
-- grain: one row per (packet_id, k): k = 0 the packet's own hour, k = 1…4 the same clock hour 7·k days
--   before, k = −1…−4 the same hour 7·|k| days after
-- params: $chat_ids varchar[]
-- description: What organic members did around each red packet and in its controls (docs/metrics.md §7.2),
--   counted per window starting at w0 (the packet's time, or 7·k days earlier):
--   active messages and distinct speakers in [w0, w0 + 60 min); of those messages the thanks (a
--   sticker, or a text of at most 15 characters matching the thanks words below) and the substantive rest; new
--   voices (speakers with no active message in the chat in the 28 days before w0); the hour
--   before [w0 − 60 min, w0); and the day after [w0 + 60 min, w0 + 24 h). A control is usable
--   when its day is covered by an import and no packet or event announcement of the chat falls
--   within 60 minutes of w0; usable_24 also asks that no other packet falls in the day after
--   (for the packet itself too, whose persistence another packet would confound). The later weeks
--   (k < 0) stand in only for a packet with no usable earlier week, as in a group's first days.
with packets as (
    select packet_id, chat_id, ts as t0
    from red_packets
    where list_contains($chat_ids, chat_id)
),
windows as (
    select p.packet_id, p.chat_id, p.t0, k, p.t0 - to_days(7 * k) as w0
    from packets p, range(-4, 5) r(k)
),
organic as (
    select f.chat_id, f.member_id, f.ts,
        f.kind = 'sticker' or (f.kind = 'text' and f.n_chars <= 15
                               and regexp_matches(f.text, '谢谢|感谢|多谢|谢啦|抢到|没抢|手慢|发财|喜气|红包|老板大气|运气')) as is_thanks
    from message_facts f
    join chat_members cm using (chat_id, member_id)
    where f.is_active and cm.is_organic
      and list_contains($chat_ids, f.chat_id)
),
around as (
    select w.packet_id, w.k, w.w0, o.member_id, o.ts, o.is_thanks
    from windows w
    join organic o on o.chat_id = w.chat_id
        and o.ts >= w.w0 - interval 60 minute and o.ts < w.w0 + interval 24 hour
),
in_hour as (
    select packet_id, k, w0, member_id, count(*) as n
    from around
    where ts >= w0 and ts < w0 + interval 60 minute
    group by all
),
-- a speaker's last active message before the window, found by an as-of join on their messages
last_before as (
    select h.packet_id, h.k, o.ts as prev_ts
    from in_hour h
    join windows w using (packet_id, k)
    asof left join organic o on o.chat_id = w.chat_id and o.member_id = h.member_id and o.ts < h.w0
),
new_voices as (
    select l.packet_id, l.k, count(*) as new_voices_60
    from last_before l
    join windows w using (packet_id, k)
    where l.prev_ts is null or l.prev_ts < w.w0 - interval 28 day
    group by all
),
counts as (
    select packet_id, k,
        count(*) filter (where ts >= w0 and ts < w0 + interval 60 minute) as msgs_60,
        count(distinct member_id) filter (where ts >= w0 and ts < w0 + interval 60 minute) as speakers_60,
        count(*) filter (where ts >= w0 and ts < w0 + interval 60 minute and is_thanks) as thanks_60,
        count(*) filter (where ts < w0) as msgs_pre_60,
        count(*) filter (where ts >= w0 + interval 60 minute) as msgs_24
    from around
    group by all
)
select w.packet_id, w.chat_id, w.k, w.w0,
    coalesce(c.msgs_60, 0) as msgs_60,
    coalesce(c.speakers_60, 0) as speakers_60,
    coalesce(c.thanks_60, 0) as thanks_60,
    coalesce(c.msgs_60, 0) - coalesce(c.thanks_60, 0) as substantive_60,
    coalesce(n.new_voices_60, 0) as new_voices_60,
    coalesce(c.msgs_pre_60, 0) as msgs_pre_60,
    coalesce(c.msgs_24, 0) as msgs_24,
    w.k = 0 or (
        exists (select 1 from covered_days d where d.chat_id = w.chat_id and d.day = cast(w.w0 as date))
        and not exists (select 1 from red_packets x where x.chat_id = w.chat_id
                        and x.ts >= w.w0 - interval 60 minute and x.ts < w.w0 + interval 60 minute)
        and not exists (select 1 from chat_events e where e.chat_id = w.chat_id
                        and e.announced_at >= w.w0 - interval 60 minute
                        and e.announced_at < w.w0 + interval 60 minute)
    ) as usable,
    not exists (select 1 from red_packets x where x.chat_id = w.chat_id
                and x.ts >= w.w0 + interval 60 minute and x.ts < w.w0 + interval 24 hour) as usable_24
from windows w
left join counts c using (packet_id, k)
left join new_voices n using (packet_id, k)
