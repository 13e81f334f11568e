-- title: Group age, day by day
-- grain: one row per (chat_id, day) for every covered day from the group's birth (view chat_births)
-- params: $chat_ids varchar[] = null, $min_speakers integer = 5, $min_speaker_share double = 0.05, $min_organic_share double = 0.5
-- description: The cold-start view (metrics.md §3.1), aligned on group age (day 0 = birth, see
--   chat_births; birth_seen false means the export starts later and cold start cannot be seen).
--   Per day: active and organic messages, organic speakers, staff messages, members. And the
--   7-day window starting that day: its organic speakers and organic share of active messages, the
--   speakers needed (max($min_speakers, ⌈$min_speaker_share × members at the window's end⌉)) and
--   whether it has both (window_ok, null while the window runs past the export). ends_cold_start:
--   this window and the next one are both ok, so cold start ended here at the latest (the first
--   such day is the end, T_cs).
with births as (
    select b.chat_id, b.born_on, b.birth_seen from chat_births b
    where $chat_ids is null or list_contains($chat_ids, b.chat_id)
),
days as (
    select d.chat_id, d.day, (d.day - b.born_on)::integer as age_day, b.birth_seen
    from covered_days d join births b using (chat_id)
    where d.day >= b.born_on and ($chat_ids is null or list_contains($chat_ids, d.chat_id))
),
last_day as (select chat_id, max(day) as last_day from days group by chat_id),
per_day as (
    select d.*, coalesce(a.messages, 0)::bigint as messages, coalesce(o.messages, 0)::bigint as organic_messages,
        coalesce(o.speakers, 0)::bigint as organic_speakers, coalesce(a.members, 0)::bigint as members,
        coalesce(s.staff_messages, 0)::bigint as staff_messages
    from days d
    left join (select * from chat_day_speakers where $chat_ids is null or list_contains($chat_ids, chat_id)) a
        on a.chat_id = d.chat_id and a.day = d.day and not a.organic
    left join (select * from chat_day_speakers where $chat_ids is null or list_contains($chat_ids, chat_id)) o
        on o.chat_id = d.chat_id and o.day = d.day and o.organic
    left join (
        select chat_id, day, sum(active_messages) as staff_messages from daily_member_activity
        where member_class = 'staff' and ($chat_ids is null or list_contains($chat_ids, chat_id))
        group by all
    ) s on s.chat_id = d.chat_id and s.day = d.day
),
window_speakers as (
    select d.chat_id, d.day, count(distinct a.member_id) as speakers
    from days d
    join (
        select chat_id, day, member_id from daily_member_activity
        where member_class in ('customer', 'expert') and member_id is not null and active_messages > 0
          and ($chat_ids is null or list_contains($chat_ids, chat_id))
    ) a on a.chat_id = d.chat_id and a.day >= d.day and a.day < d.day + 7
    group by all
),
windows as (
    select p.*, coalesce(w.speakers, 0) as window_organic_speakers,
        sum(p.organic_messages) over seven / nullif(sum(p.messages) over seven, 0) as window_organic_share,
        greatest($min_speakers, ceil($min_speaker_share * lead(p.members, 6) over (partition by p.chat_id order by p.day)))::integer
            as window_needed,
        p.day + 6 <= l.last_day as window_complete
    from per_day p
    join last_day l using (chat_id)
    left join window_speakers w on w.chat_id = p.chat_id and w.day = p.day
    window seven as (partition by p.chat_id order by p.day range between current row and 6 following)
),
judged as (
    select *, case when window_complete then window_organic_speakers >= window_needed
                   and coalesce(window_organic_share, 0) >= $min_organic_share end as window_ok
    from windows
),
final as (
    select j.chat_id, c.name as chat_name, j.day, j.age_day, j.birth_seen, j.messages, j.organic_messages,
        j.organic_speakers, j.staff_messages, j.members, j.window_organic_speakers, j.window_organic_share,
        j.window_needed, j.window_ok,
        j.window_ok and n.window_ok as ends_cold_start
    from judged j
    join chats c using (chat_id)
    left join judged n on n.chat_id = j.chat_id and n.day = j.day + 7
)
select * from final order by chat_name, day
