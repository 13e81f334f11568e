-- title: Group age, day by day
-- grain: one row per (chat_id, day) for every covered day from the group's birth (view chat_births)
-- params: $chat_ids varchar[] = null, $min_speakers integer = 5, $min_speaker_share double = 0.05, $min_organic_share double = 0.5
-- description: The cold-start view (docs/metrics.md §3.1), aligned on group age (day 0 = birth, see
--   chat_births; birth_seen false means the export starts later and cold start cannot be seen).
--   Per day (rollup chat_age_days): active and organic messages, organic speakers, staff messages,
--   members. And the 7-day window starting that day: its organic speakers and organic share of
--   active messages, the speakers needed (max($min_speakers, ⌈$min_speaker_share × members at the
--   window's end⌉)) and whether it has both (window_ok, null while the window runs past the
--   export). ends_cold_start: this window and the next one are both ok, so cold start ended here at
--   the latest (the first such day is the end, T_cs; rollup chat_cold_start keeps it for these
--   defaults).
with judged as (
    select *,
        window_organic_messages / nullif(window_messages, 0) as window_organic_share,
        greatest($min_speakers, ceil($min_speaker_share * window_end_members))::integer as window_needed
    from chat_age_days
    where $chat_ids is null or list_contains($chat_ids, chat_id)
),
ok as (
    select *, case when window_complete then window_organic_speakers >= window_needed
                   and coalesce(window_organic_share, 0) >= $min_organic_share end as window_ok
    from judged
),
final as (
    select j.chat_id, c.name as chat_name, j.day, j.age_day, j.birth_seen, j.messages, j.organic_messages,
        j.organic_speakers, j.staff_messages, j.members, j.window_organic_speakers, j.window_organic_share,
        j.window_needed, j.window_ok,
        j.window_ok and n.window_ok as ends_cold_start
    from ok j
    join chats c using (chat_id)
    left join ok n on n.chat_id = j.chat_id and n.day = j.day + 7
)
select * from final order by chat_name, day
