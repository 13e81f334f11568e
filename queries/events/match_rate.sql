-- title: How many members are linked to a store customer
-- grain: one row per (chat, linked) with the members it holds
-- params: $chat_ids varchar[] = null
-- description: The match rate and who gets matched (docs/metrics.md §5.1): per chat, organic members
--   with and without a confirmed customer link, and for each side their mean active messages,
--   active days, days in the chat and share of regulars (Orbit participating or above). A low or
--   lopsided match rate biases every visit figure after it.
with links as (select distinct member_id from member_customers where status = 'confirmed'),
last as (select chat_id, max(day) as last_day from covered_days group by all)
select m.chat_id, c.name as chat_name, m.member_id in (select member_id from links) as linked,
    count(*)::bigint as members,
    avg(m.n_active) as mean_messages,
    avg(m.active_days) as mean_active_days,
    avg(datediff('day', m.entered_on, l.last_day)) as mean_days_in_chat,
    avg(case when m.orbit_level <> 'exploring' then 1.0 else 0.0 end) as regular_share
from chat_members m
join chats c using (chat_id)
join last l using (chat_id)
where m.is_organic and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
group by all
order by chat_name, linked desc
