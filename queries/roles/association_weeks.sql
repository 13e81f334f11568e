-- title: Diversity and next week's engagement, per chat and week
-- grain: one row per (chat_id, week) with a rarefied topic diversity
-- params: $chat_ids varchar[] = null
-- description: The local test of docs/metrics.md §4.4, a weekly panel per chat: at week t the
--   rarefied topic diversity (q1), the role-mixing share of conversations and the answers experts
--   gave; at week t + 1 the organic speakers; and of the members who entered in week t, the share
--   who spoke in week t + 4 (newcomer retention, null when nobody entered). An association, not a
--   cause: busier weeks carry more topics, which is why diversity is rarefied and outcomes lagged.
with div as (
    select chat_id, week, q1_rarefied as topic_q1
    from diversity_weeks
    where dimension = 'topics' and q1_rarefied is not null and ($chat_ids is null or list_contains($chat_ids, chat_id))
),
mixing as (
    select chat_id, cast(date_trunc('week', day) as date) as week,
        avg(case when n_customer_speakers >= 1 and n_staff_speakers + n_expert_speakers >= 1 then 1.0 else 0.0 end)
            as mixed_share
    from conversations
    where gap_minutes = 30 and n_speakers >= 2 and ($chat_ids is null or list_contains($chat_ids, chat_id))
    group by all
),
expert_answers as (
    select chat_id, cast(date_trunc('week', day) as date) as week, count(*)::bigint as expert_answers
    from questions
    where responder_class = 'expert' and ($chat_ids is null or list_contains($chat_ids, chat_id))
    group by all
),
speakers as (
    select chat_id, period_start as week, speakers
    from chat_period_speakers
    where period = 'week' and organic and ($chat_ids is null or list_contains($chat_ids, chat_id))
),
newcomers as (
    select chat_id, cast(date_trunc('week', entered_on) as date) as week, count(*)::bigint as newcomers,
        avg(case when spoke_week_4 then 1.0 else 0.0 end) as newcomer_retention_4w
    from chat_members
    where not entered_approx and is_organic and ($chat_ids is null or list_contains($chat_ids, chat_id))
    group by all
)
select d.chat_id, c.name as chat_name, d.week, d.topic_q1, m.mixed_share, coalesce(e.expert_answers, 0) as expert_answers,
    s.speakers as speakers, nx.speakers as next_week_speakers, n.newcomers, n.newcomer_retention_4w
from div d
join chats c using (chat_id)
left join mixing m using (chat_id, week)
left join expert_answers e using (chat_id, week)
left join speakers s using (chat_id, week)
left join speakers nx on nx.chat_id = d.chat_id and nx.week = d.week + interval 7 day
left join newcomers n using (chat_id, week)
order by d.chat_id, d.week
