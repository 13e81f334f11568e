-- title: Role mixing and staff dependency per week
-- grain: one row per week over the chosen chats
-- params: $chat_ids varchar[] = null
-- description: Whether customers talk to each other or only to the shop (docs/metrics.md §4.3, §4.5),
--   per ISO week over the chosen chats. Conversations (30-minute gap, ≥ 2 speakers): share with a
--   customer and staff or an expert, share with ≥ 2 customers. Replies (reply_edges, a quote or
--   @mention weighing 10, adjacency 1): share customer → customer, share customer → shop (staff),
--   share shop → customer. Staff dependency: staff share of active messages, of conversations
--   started, and of answered questions answered by staff.
with convs as (
    select cast(date_trunc('week', day) as date) as week,
        count(*)::bigint as conversations,
        count(*) filter (where n_customer_speakers >= 1 and (n_staff_speakers + n_expert_speakers) >= 1)::bigint
            as with_customer_and_shop_or_expert,
        count(*) filter (where n_customer_speakers >= 2)::bigint as with_two_customers,
        count(*) filter (where starter_class = 'staff')::bigint as staff_started
    from conversations
    where gap_minutes = 30 and n_speakers >= 2 and ($chat_ids is null or list_contains($chat_ids, chat_id))
    group by all
),
replies as (
    select week,
        sum(10 * strong + weak) as reply_weight,
        sum(10 * strong + weak) filter (where source_class = 'customer' and target_class = 'customer') as c2c,
        sum(10 * strong + weak) filter (where source_class = 'customer' and target_class = 'staff') as to_shop,
        sum(10 * strong + weak) filter (where source_class = 'staff' and target_class = 'customer') as from_shop
    from reply_edges
    where $chat_ids is null or list_contains($chat_ids, chat_id)
    group by all
),
said as (
    select cast(date_trunc('week', day) as date) as week, sum(messages)::bigint as messages,
        sum(messages) filter (where member_class = 'staff')::bigint as staff_messages
    from hourly_activity
    where $chat_ids is null or list_contains($chat_ids, chat_id)
    group by all
),
answers as (
    select cast(date_trunc('week', day) as date) as week, count(*) filter (where responder_id is not null) as answered,
        count(*) filter (where responder_class = 'staff') as staff_answered,
        count(*) filter (where responder_class = 'expert') as expert_answered
    from questions
    where $chat_ids is null or list_contains($chat_ids, chat_id)
    group by all
)
select s.week, c.conversations,
    c.with_customer_and_shop_or_expert / c.conversations as mixed_share,
    c.with_two_customers / c.conversations as two_customer_share,
    r.c2c / r.reply_weight as customer_to_customer_share,
    r.to_shop / r.reply_weight as customer_to_shop_share,
    r.from_shop / r.reply_weight as shop_to_customer_share,
    s.staff_messages / s.messages as staff_message_share,
    c.staff_started / c.conversations as staff_started_share,
    a.staff_answered / nullif(a.answered, 0) as staff_answer_share,
    coalesce(a.expert_answered, 0) as expert_answers
from said s
left join convs c using (week)
left join replies r using (week)
left join answers a using (week)
order by s.week
