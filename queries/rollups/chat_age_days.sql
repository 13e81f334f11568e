-- title: Group age, day by day
-- grain: one row per (chat_id, day) for every covered day from the group's birth (view chat_births)
-- params: $chat_ids varchar[]
-- description: The measurements behind the cold-start rule (docs/metrics.md §3.1), aligned on group age
--   (day 0 = birth, see chat_births). Per day: active and organic messages, organic speakers, staff
--   messages and members (rollup chat_day_speakers). And the 7-day window starting that day: its
--   distinct organic speakers, active and organic messages, the members on the window's last
--   covered day, and whether the export covers the window's end. The rule itself, with its
--   tunable thresholds, is applied by queries/cold_start/age_days.sql.
with births as (
    select chat_id, born_on, birth_seen from chat_births where list_contains($chat_ids, chat_id)
),
days as (
    select d.chat_id, d.day, (d.day - b.born_on)::integer as age_day, b.birth_seen
    from covered_days d join births b using (chat_id)
    where d.day >= b.born_on and list_contains($chat_ids, d.chat_id)
),
speakers as (
    select * from chat_day_speakers where list_contains($chat_ids, chat_id)
),
staff as (
    select chat_id, day, sum(active_messages) as staff_messages from daily_member_activity
    where member_class = 'staff' and list_contains($chat_ids, chat_id)
    group by all
),
per_day as (
    select d.*, coalesce(a.messages, 0)::bigint as messages, coalesce(o.messages, 0)::bigint as organic_messages,
        coalesce(o.speakers, 0)::bigint as organic_speakers, coalesce(a.members, 0)::bigint as members,
        coalesce(s.staff_messages, 0)::bigint as staff_messages
    from days d
    left join speakers a on a.chat_id = d.chat_id and a.day = d.day and not a.organic
    left join speakers o on o.chat_id = d.chat_id and o.day = d.day and o.organic
    left join staff s on s.chat_id = d.chat_id and s.day = d.day
),
window_speakers as (
    select d.chat_id, d.day, count(distinct a.member_id) as speakers
    from days d
    join (
        select chat_id, day, member_id from daily_member_activity
        where member_class in ('customer', 'expert') and member_id is not null and active_messages > 0
          and list_contains($chat_ids, chat_id)
    ) a on a.chat_id = d.chat_id and a.day >= d.day and a.day < d.day + 7
    group by all
),
final as (
    select p.chat_id, p.day, p.age_day, p.birth_seen, p.messages, p.organic_messages, p.organic_speakers,
        p.staff_messages, p.members,
        coalesce(w.speakers, 0)::bigint as window_organic_speakers,
        sum(p.messages) over seven as window_messages,
        sum(p.organic_messages) over seven as window_organic_messages,
        lead(p.members, 6) over (partition by p.chat_id order by p.day) as window_end_members,
        p.day + 6 <= max(p.day) over (partition by p.chat_id) as window_complete
    from per_day p
    left join window_speakers w on w.chat_id = p.chat_id and w.day = p.day
    window seven as (partition by p.chat_id order by p.day range between current row and 6 following)
)
select * from final
