-- title: Members exposed to each event
-- grain: one row per (event_id, member_id)
-- params: $event_ids varchar[] = null
-- description: Who was in the chat when each event was announced, who signed up in its 接龙 list
--   and when, and their store customer link (view event_exposure).
select * from event_exposure
where $event_ids is null or list_contains($event_ids, event_id)
order by event_id, signed_up desc, member_id
