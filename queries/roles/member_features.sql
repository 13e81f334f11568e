-- title: Member behaviour features
-- grain: one row per (chat_id, member_id) of chat_members
-- params: $chat_ids varchar[]
-- description: What roles are inferred from (docs/metrics.md §4.1), per member of a chat, read from the
--   other rollups (and one pass over the chats' messages for clock hours and links):
--   questions asked and answered (first responses, table questions), how many distinct askers
--   they answered and how many of those are low-activity members (active on fewer days than the
--   chat's median speaker), conversations (30-minute gap) started by someone else in which they
--   spoke and those where they sent only 1 or 2 messages, the share of their text messages in
--   each expert domain (best domain kept) and in the shop's own vocabulary (products, prices,
--   stock), the share of their messages sent between 09:00 and 21:00, links and mini-program cards
--   posted, replies received from organic members, who created the chat, and the recency and
--   active days in the last 28 days before the chat's last covered day (chat RFM).
with members as (
    select * from chat_members where list_contains($chat_ids, chat_id)
),
last_day as (
    select chat_id, max(day) as last_day from covered_days where list_contains($chat_ids, chat_id) group by all
),
speaker_median as (
    select chat_id, median(active_days) as median_days from members where n_active > 0 group by all
),
asked as (
    select chat_id, member_id, count(*)::bigint as questions_asked
    from questions where list_contains($chat_ids, chat_id) group by all
),
answered as (
    select q.chat_id, q.responder_id as member_id, count(*)::bigint as answers_given,
        count(distinct q.member_id)::bigint as askers_answered,
        count(distinct q.member_id) filter (where a.active_days < s.median_days)::bigint as low_activity_askers
    from questions q
    -- left joins: an answer counts even when its asker is not a known member of the chat
    left join members a on a.chat_id = q.chat_id and a.member_id = q.member_id
    left join speaker_median s on s.chat_id = q.chat_id
    where list_contains($chat_ids, q.chat_id) and q.responder_id is not null
    group by all
),
convs as (
    select chat_id, conv_no, started_at, ended_at, starter_id
    from conversations where gap_minutes = 30 and list_contains($chat_ids, chat_id)
),
msgs as (
    select m.chat_id, m.member_id, m.ts, m.kind
    from messages m
    where m.chat_id = any($chat_ids) and m.kind not in ('system', 'recall') and m.member_id is not null
),
in_convs as (
    -- each message in its conversation: the last one started at or before it
    select m.chat_id, m.member_id, c.conv_no, c.starter_id, count(*) as n
    from msgs m
    asof join convs c on c.chat_id = m.chat_id and m.ts >= c.started_at
    group by all
),
others as (
    select chat_id, member_id, count(*)::bigint as others_conversations,
        count(*) filter (where n <= 2)::bigint as short_in_others
    from in_convs where starter_id is distinct from member_id
    group by all
),
clock as (
    select chat_id, member_id,
        avg(case when hour(ts) between 9 and 20 then 1.0 else 0.0 end) as business_hours_share,
        count(*) filter (where kind = 'link')::bigint as links,
        count(*) filter (where kind in ('text', 'quote'))::bigint as text_messages
    from msgs group by all
),
domains as (
    select t.chat_id, t.member_id, w.domain, t.messages
    from member_topics t
    join (select distinct topic, domain from topic_words where domain is not null) w using (topic)
    where list_contains($chat_ids, t.chat_id)
),
best_domain as (
    select chat_id, member_id, arg_max(domain, messages) as best_domain, max(messages) as domain_messages
    from domains group by all
),
shop_vocab as (
    -- a message naming several shop topics counts once per topic, so this share can exceed the
    -- share of messages; it is only compared with a threshold
    select chat_id, member_id, sum(messages)::bigint as shop_messages
    from member_topics
    where list_contains($chat_ids, chat_id) and topic in ('product', 'price', 'stock')
    group by all
),
received as (
    select chat_id, target_id as member_id, sum(strong + weak)::bigint as replies_received
    from reply_edges
    where list_contains($chat_ids, chat_id) and source_class in ('customer', 'expert')
    group by all
),
creators as (
    -- who made the chat: the subject of a creation notice, or whoever added the founders in the
    -- first message of an export that shows the birth (view chat_births)
    select distinct chat_id, coalesce(actor_member_id, member_id) as member_id, true as created_chat
    from membership_events
    where kind = 'create' and list_contains($chat_ids, chat_id) and coalesce(actor_member_id, member_id) is not null
    union
    select distinct e.chat_id, e.actor_member_id, true
    from membership_events e
    join chat_births b on b.chat_id = e.chat_id and e.ts = b.born_at
    where b.birth_seen and e.kind = 'join' and e.actor_member_id is not null and list_contains($chat_ids, e.chat_id)
),
recent as (
    select d.chat_id, d.member_id, count(*)::bigint as active_days_28
    from daily_member_activity d join last_day l using (chat_id)
    where list_contains($chat_ids, d.chat_id) and d.active_messages > 0 and d.day > l.last_day - 28
    group by all
)
select m.chat_id, m.member_id, m.name, m.member_class, m.roles as declared_roles, m.n_active, m.active_days,
    m.orbit_level, m.entered_on, m.predates, m.left_at, m.last_spoke, l.last_day,
    coalesce(c.text_messages, 0) as text_messages,
    coalesce(a.questions_asked, 0) as questions_asked,
    coalesce(r.answers_given, 0) as answers_given,
    coalesce(r.askers_answered, 0) as askers_answered,
    coalesce(r.low_activity_askers, 0) as low_activity_askers,
    coalesce(o.others_conversations, 0) as others_conversations,
    coalesce(o.short_in_others, 0) as short_in_others,
    b.best_domain,
    b.domain_messages / nullif(c.text_messages, 0) as domain_share,
    coalesce(v.shop_messages, 0) / nullif(c.text_messages, 0) as shop_vocab_share,
    c.business_hours_share,
    coalesce(c.links, 0) as links,
    coalesce(rc.replies_received, 0) as replies_received,
    coalesce(cr.created_chat, false) as created_chat,
    datediff('day', m.last_spoke, l.last_day) as recency_days,
    coalesce(rt.active_days_28, 0) as active_days_28
from members m
left join last_day l using (chat_id)
left join asked a using (chat_id, member_id)
left join answered r using (chat_id, member_id)
left join others o using (chat_id, member_id)
left join clock c using (chat_id, member_id)
left join best_domain b using (chat_id, member_id)
left join shop_vocab v using (chat_id, member_id)
left join received rc using (chat_id, member_id)
left join creators cr using (chat_id, member_id)
left join recent rt using (chat_id, member_id)
