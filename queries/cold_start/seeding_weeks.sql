-- title: Seeding, week by week of group age
-- grain: one row per (chat_id, age_week) from the group's birth (week 0 = days 0–6 of group age)
-- params: $chat_ids varchar[] = null, $prompt_gap_minutes integer = 10, $reply_minutes integer = 60
-- description: How much the shop carried the talk while the group was young (docs/metrics.md §3.1):
--   active messages, and those of the owner, of staff (owner, admins and staff together) and of
--   declared alt accounts, with their shares; seeding intensity = staff messages per organic
--   speaker that week; and prompt conversion, the best early signal: a staff prompt is a staff
--   message with no other staff message in the $prompt_gap_minutes before it (a burst of posts is
--   one prompt); it converted when an organic member (customer or expert) posted within
--   $reply_minutes after it.
with births as (
    select chat_id, born_at, born_on from chat_births where $chat_ids is null or list_contains($chat_ids, chat_id)
),
owners as (
    select distinct coalesce(r.chat_id, b.chat_id) as chat_id, r.member_id
    from roles r join births b on r.chat_id is null or r.chat_id = b.chat_id
    where r.role = 'owner'
),
msgs as (
    select m.chat_id, m.msg_id, m.member_id, m.ts, coalesce(c.member_class, 'customer') as member_class,
        o.member_id is not null as is_owner, ((cast(m.ts as date) - b.born_on) // 7)::integer as age_week
    from messages m
    join births b on b.chat_id = m.chat_id and m.ts >= b.born_at
    left join (select * from member_classes where $chat_ids is null or list_contains($chat_ids, chat_id)) c
        on c.chat_id = m.chat_id and c.member_id = m.member_id
    left join owners o on o.chat_id = m.chat_id and o.member_id = m.member_id
    where m.kind not in ('system', 'recall') and m.member_id is not null
),
staff_posts as (
    select chat_id, ts, age_week,
        lag(ts) over (partition by chat_id order by ts, msg_id) as previous_staff_ts
    from msgs where member_class = 'staff'
),
organic_posts as (
    select chat_id, ts from msgs where member_class in ('customer', 'expert')
),
prompts as (
    select p.chat_id, p.age_week, p.ts,
        exists (select 1 from organic_posts o
                where o.chat_id = p.chat_id and o.ts > p.ts
                  and o.ts <= p.ts + to_minutes($reply_minutes::bigint)) as converted
    from staff_posts p
    where p.previous_staff_ts is null or p.ts - p.previous_staff_ts > to_minutes($prompt_gap_minutes::bigint)
),
weekly as (
    select chat_id, age_week, count(*) as messages,
        count(*) filter (where is_owner) as owner_messages,
        count(*) filter (where member_class = 'staff') as staff_messages,
        count(*) filter (where member_class = 'alt') as alt_messages,
        count(distinct member_id) filter (where member_class in ('customer', 'expert')) as organic_speakers,
        min(cast(ts as date)) as first_day
    from msgs group by all
),
prompt_weeks as (
    select chat_id, age_week, count(*) as prompts, count(*) filter (where converted) as converted_prompts
    from prompts group by all
),
final as (
    select w.chat_id, c.name as chat_name, w.age_week, b.born_on + 7 * w.age_week as week_start, w.messages,
        w.owner_messages, w.staff_messages, w.alt_messages, w.organic_speakers,
        w.owner_messages / w.messages as owner_share, w.staff_messages / w.messages as staff_share,
        w.alt_messages / w.messages as alt_share,
        w.staff_messages / nullif(w.organic_speakers, 0) as seeding_intensity,
        coalesce(p.prompts, 0) as prompts, coalesce(p.converted_prompts, 0) as converted_prompts,
        p.converted_prompts / nullif(p.prompts, 0) as prompt_conversion
    from weekly w
    join births b using (chat_id)
    join chats c using (chat_id)
    left join prompt_weeks p using (chat_id, age_week)
)
select * from final order by chat_name, age_week
