-- title: Emerging words per week
-- grain: one row per (week, term) among each week's top $per_week
-- params: $chat_ids varchar[], $per_week integer = 8
-- description: Weekly TF-IDF with conversations as documents (docs/metrics.md §4.2): a word's score in
--   week w is the share of that week's conversations (30-minute gap) using it times ln(N / df),
--   N being all conversations of the chosen chats and df those using the word. Words every
--   conversation uses score low; a word that suddenly fills one week scores high. New marks a
--   word no conversation of the previous four weeks used.
with convs as (
    select chat_id, conv_no, started_at, cast(date_trunc('week', started_at) as date) as week
    from conversations
    where gap_minutes = 30 and list_contains($chat_ids, chat_id)
),
in_conv as (
    -- each message's conversation first, then its words: joining terms before the as-of join
    -- made the planner far slower
    select m.msg_id, c.chat_id, c.conv_no, c.week
    from (select msg_id, chat_id, ts from messages where chat_id = any($chat_ids)) m
    asof join convs c on c.chat_id = m.chat_id and m.ts >= c.started_at
),
uses as (
    select distinct u.chat_id, u.conv_no, u.week, t.term
    from terms t join in_conv u using (msg_id)
    where t.chat_id = any($chat_ids)
),
n_docs as (select count(*)::double as n from convs),
df as (select term, count(*)::double as df from uses group by term),
week_docs as (select week, count(*)::double as docs from convs group by week),
tf as (select week, term, count(*)::double as docs_with from uses group by week, term),
scored as (
    select tf.week, tf.term, tf.docs_with::bigint as conversations, tf.docs_with / w.docs * ln(n.n / df.df) as tfidf,
        -- new: the last earlier week using the word is more than four weeks back, or there is none
        coalesce(tf.prev_week < tf.week - interval 28 day, true) as new
    from (select *, lag(week) over (partition by term order by week) as prev_week from tf) tf
    join week_docs w using (week) join df using (term), n_docs n
    where tf.docs_with >= 2
)
select * from scored
qualify row_number() over (partition by week order by tfidf desc, term) <= $per_week
order by week desc, tfidf desc
