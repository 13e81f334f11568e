-- title: Activity in the days around an expert's classes
-- grain: one row per (chat_id, member_id, event_id, rel_day) for rel_day −7 … +7
-- params: $chat_ids varchar[] = null
-- description: For each expert (declared or inferred) and each offline event of their domain
--   (events.csv category = domain), the chat's organic active messages and speakers on each day
--   from a week before the event to a week after it, and the expert's own messages. Days the
--   export does not cover are left out.
with experts as (
    select * from chat_experts where $chat_ids is null or list_contains($chat_ids, chat_id)
),
events as (
    select e.chat_id, e.member_id, e.name, v.event_id, v.name as event_name, cast(v.start_at as date) as event_day
    from experts e join store_events v on v.category = e.domain
    where v.start_at is not null
),
days as (
    select e.*, r.rel_day, e.event_day + r.rel_day as day
    from events e, (select cast(unnest(range(-7, 8)) as integer) as rel_day) r
)
select d.chat_id, d.member_id, d.name, d.event_id, d.event_name, d.event_day, d.rel_day, d.day,
    coalesce(s.messages, 0) as organic_messages, coalesce(s.speakers, 0) as organic_speakers,
    coalesce(x.active_messages, 0) as expert_messages
from days d
join covered_days c on c.chat_id = d.chat_id and c.day = d.day
left join chat_day_speakers s on s.chat_id = d.chat_id and s.day = d.day and s.organic
left join daily_member_activity x on x.chat_id = d.chat_id and x.member_id = d.member_id and x.day = d.day
order by d.chat_id, d.member_id, d.event_day, d.rel_day
