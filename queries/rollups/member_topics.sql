-- title: Topics per member
-- grain: one row per (chat_id, member_id, topic)
-- params: $chat_ids varchar[]
-- description: A member's text messages naming each topic in a chat (see topic_days): the
--   domain-vocabulary share of the expert signature (docs/metrics.md §4.1) and the shop vocabulary of
--   staff come from here.
with labelled as (
    select distinct t.msg_id, w.topic
    from terms t
    join topic_words w using (term)
    where t.chat_id = any($chat_ids)
)
select m.chat_id, m.member_id, l.topic, count(*)::bigint as messages
from labelled l
join messages m using (msg_id)
where m.chat_id = any($chat_ids) and m.member_id is not null
group by all
