-- title: Questions and their first response
-- grain: one row per question
-- params: $chat_ids varchar[]
-- description: Questions (docs/metrics.md §2.3): text or quote messages from anyone but staff and bots
--   with a question mark or a question particle or phrase (吗 呢 怎么 多少 几点 有没有 能不能 哪里
--   请问 求推荐). The first response is the earliest message from someone else within 24 h that
--   quotes the question, @mentions the asker, or (weakest) is the very next message, within
--   30 minutes, when the asker was not in the middle of a crowd: adjacency is not used when two
--   or more other people spoke in the three messages before the question within the 10 minutes
--   before it (talk interleaving), or another person spoke less than 60 s before it. docs/metrics.md §2.3 uses 10 minutes for adjacency edges in general; a
--   question in a shop group is often answered by an expert or a clerk who first looks something
--   up, and the next other voice within half an hour is its answer far more often than not, so
--   questions allow 30 minutes (at 10 the sample's plainly answered questions mostly read as
--   unanswered). A question with no response is censored at observed_s (24 h, or less
--   when the export ends sooner), not dropped.
with coverage as (
    select chat_id, max(coverage_end) as coverage_end
    from (select unnest(chat_ids) as chat_id, coverage_end from imports)
    where list_contains($chat_ids, chat_id) group by all
),
msgs as (
    select m.chat_id, m.msg_id, m.member_id, m.ts, m.kind, m.text, m.reply_to_msg_id, m.mentions,
        coalesce(c.member_class, 'customer') as member_class,
        lag(m.member_id, 1) over w as prev1_id,
        lag(m.member_id, 2) over w as prev2_id,
        lag(m.member_id, 3) over w as prev3_id,
        lag(m.ts, 1) over w as prev1_ts,
        lag(m.ts, 2) over w as prev2_ts,
        lag(m.ts, 3) over w as prev3_ts,
        lead(m.member_id) over w as next_id,
        lead(m.ts) over w as next_ts,
        lead(coalesce(c.member_class, 'customer')) over w as next_class
    from messages m
    left join (select * from member_classes where list_contains($chat_ids, chat_id)) c using (chat_id, member_id)
    where m.chat_id = any($chat_ids) and m.kind not in ('system', 'recall')
    window w as (partition by m.chat_id order by m.ts, m.msg_id)
),
asked as (
    select * from msgs
    where member_id is not null and member_class not in ('staff', 'bot') and kind in ('text', 'quote')
      and regexp_matches(text, '[?？]|吗|呢|怎么|多少|几点|有没有|能不能|哪里|请问|求推荐')
),
by_quote as (
    select q.msg_id, r.ts, r.member_id, r.member_class, 1 as strength, 'quote' as evidence
    from asked q
    join msgs r on r.chat_id = q.chat_id and r.reply_to_msg_id = q.msg_id
    where r.member_id is distinct from q.member_id and r.ts >= q.ts and r.ts <= q.ts + interval 24 hour
),
mentioned as (
    select chat_id, unnest(mentions) as mentioned_id, ts, member_id, member_class
    from msgs where len(mentions) > 0
),
by_mention as (
    select q.msg_id, r.ts, r.member_id, r.member_class, 2 as strength, 'mention' as evidence
    from asked q
    join mentioned r on r.chat_id = q.chat_id and r.mentioned_id = q.member_id
    where r.member_id is distinct from q.member_id and r.ts > q.ts and r.ts <= q.ts + interval 24 hour
),
by_adjacency as (
    select msg_id, next_ts as ts, next_id as member_id, next_class as member_class, 3 as strength,
        'adjacency' as evidence
    from asked
    where next_id is not null and next_id <> member_id
      and next_ts <= ts + interval 30 minute
      and not (prev1_ts is not null and prev1_id is distinct from member_id and prev1_ts > ts - interval 60 second)
      and len(list_distinct(list_filter([
            case when prev1_ts > ts - interval 10 minute then prev1_id end,
            case when prev2_ts > ts - interval 10 minute then prev2_id end,
            case when prev3_ts > ts - interval 10 minute then prev3_id end], lambda x: x <> member_id))) < 2
),
first_response as (
    select msg_id, arg_min(ts, (ts, strength)) as ts, arg_min(member_id, (ts, strength)) as member_id,
        arg_min(member_class, (ts, strength)) as member_class, arg_min(evidence, (ts, strength)) as evidence
    from (select * from by_quote union all select * from by_mention union all select * from by_adjacency)
    group by msg_id
),
final as (
    select q.chat_id, q.msg_id, q.ts as asked_at, cast(q.ts as date) as day, q.member_id,
        q.member_class as asker_class,
        greatest(least(86400.0, epoch(c.coverage_end) - epoch(q.ts)), 0.0) as observed_s,
        epoch(f.ts) - epoch(q.ts) as answered_s,
        f.member_id as responder_id, f.member_class as responder_class, f.evidence
    from asked q
    join coverage c using (chat_id)
    left join first_response f using (msg_id)
)
select * from final
