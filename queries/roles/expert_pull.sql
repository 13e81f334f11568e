-- title: Each expert's pull
-- grain: one row per (chat_id, member_id) of a declared or inferred expert
-- params: $chat_ids varchar[] = null
-- description: What each expert brings to a chat (docs/metrics.md §4.1): questions answered (first
--   responses), conversations they started (30-minute gap) that drew at least two customers, their
--   messages in their own domain's vocabulary (declared domain, else the inferred one), and the
--   offline events of that domain (events.csv category).
with experts as (
    select * from chat_experts where $chat_ids is null or list_contains($chat_ids, chat_id)
),
started as (
    select chat_id, starter_id as member_id, count(*)::bigint as conversations_started,
        count(*) filter (where n_customer_speakers >= 2)::bigint as drew_two_customers
    from conversations
    where gap_minutes = 30 and ($chat_ids is null or list_contains($chat_ids, chat_id))
    group by all
),
in_domain as (
    select t.chat_id, t.member_id, w.domain, sum(t.messages)::bigint as domain_messages
    from member_topics t
    join (select distinct topic, domain from topic_words where domain is not null) w using (topic)
    where $chat_ids is null or list_contains($chat_ids, t.chat_id)
    group by all
),
classes as (
    select category as domain, count(*)::bigint as classes from store_events group by all
)
select e.chat_id, c.name as chat_name, e.member_id, e.name, e.declared, e.domain, e.n_active,
    e.answers_given as questions_answered,
    coalesce(s.conversations_started, 0) as conversations_started,
    coalesce(s.drew_two_customers, 0) as drew_two_customers,
    coalesce(i.domain_messages, 0) as domain_messages,
    coalesce(k.classes, 0) as classes
from experts e
join chats c using (chat_id)
left join started s using (chat_id, member_id)
left join in_domain i on i.chat_id = e.chat_id and i.member_id = e.member_id and i.domain = e.domain
left join classes k on k.domain = e.domain
order by c.name, e.answers_given desc
