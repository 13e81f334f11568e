-- title: Most used words
-- grain: one row per term
-- params: $chat_ids varchar[] = null, $limit integer = 60
-- description: The words (table terms: cut with the shop lexicon and the owner's own words,
--   stopwords dropped) used most in the chosen chats' text messages, with how many messages use
--   each and the topics the word names.
with counts as (
    select term, count(distinct msg_id)::bigint as messages
    from terms
    where $chat_ids is null or chat_id = any($chat_ids)
    group by term
    order by messages desc, term
    limit $limit
)
select c.term, c.messages, list(w.topic order by w.topic) filter (where w.topic is not null) as topics
from counts c left join topic_words w using (term)
group by c.term, c.messages
order by c.messages desc, c.term
