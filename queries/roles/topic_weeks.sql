-- title: Topic share per week
-- grain: one row per (week, topic) over the chosen chats
-- params: $chat_ids varchar[] = null
-- description: Topics over time (docs/metrics.md §4.2): per ISO week and topic of the lexicon, the
--   organic text messages (customers and experts) naming the topic and their share of all organic
--   text and quote messages that week. Multi-label: a message naming two topics counts in both,
--   so shares need not add up to 100%.
with texts as (
    select cast(date_trunc('week', day) as date) as week, sum(messages)::bigint as text_messages
    from hourly_activity
    where ($chat_ids is null or list_contains($chat_ids, chat_id)) and kind in ('text', 'quote')
      and member_class in ('customer', 'expert')
    group by all
),
named as (
    select cast(date_trunc('week', day) as date) as week, topic, sum(messages)::bigint as messages
    from topic_days
    where ($chat_ids is null or list_contains($chat_ids, chat_id)) and member_class in ('customer', 'expert')
    group by all
)
select n.week, n.topic, n.messages, t.text_messages, n.messages / t.text_messages as share
from named n join texts t using (week)
order by n.week, n.topic
