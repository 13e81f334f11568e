-- title: Topics per day
-- grain: one row per (chat_id, day, topic, member_class)
-- params: $chat_ids varchar[]
-- description: Text messages naming each topic of the lexicon (table topic_words, from
--   core/text/topics.toml) per chat, local day and sender class (docs/metrics.md §4.2). A message names a
--   topic when one of its terms (table terms, cut at ingest with the shop lexicon and the owner's
--   own words) is a word of the topic; it counts once per topic, in every topic it names.
with labelled as (
    select distinct t.msg_id, w.topic
    from terms t
    join topic_words w using (term)
    where t.chat_id = any($chat_ids)
)
select m.chat_id, cast(m.ts as date) as day, l.topic, coalesce(c.member_class, 'customer') as member_class,
    count(*)::bigint as messages
from labelled l
join messages m using (msg_id)
left join (select * from member_classes where list_contains($chat_ids, chat_id)) c using (chat_id, member_id)
where m.chat_id = any($chat_ids)
group by all
