-- title: Red packets with their claims
-- grain: one row per red packet
-- params: $chat_ids varchar[] = null
-- description: Each red packet seen in the exports (docs/metrics.md §7.1): chat, time, local day,
--   sender and their class, the claims seen (only in the sender's own export: "X领取了你的红包"),
--   seconds to the first and the median claim, and the amount the owner entered (exports never
--   hold amounts; null until she does).
with claims as (
    select c.packet_id, count(*) as claims,
        min(date_diff('second', p.ts, c.ts)) as first_claim_s,
        median(date_diff('second', p.ts, c.ts)) as median_claim_s
    from red_packet_claims c join red_packets p using (packet_id)
    group by all
)
select p.packet_id, p.chat_id, h.name as chat_name, p.ts, cast(p.ts as date) as day,
    p.sender_member_id, coalesce(s.name, n.display_name) as sender_name,
    coalesce(s.member_class, 'customer') as sender_class, p.title,
    coalesce(c.claims, 0) as claims, c.first_claim_s, c.median_claim_s, a.amount
from red_packets p
join chats h using (chat_id)
left join chat_members s on s.chat_id = p.chat_id and s.member_id = p.sender_member_id
left join members n on n.member_id = p.sender_member_id
left join claims c using (packet_id)
left join red_packet_amounts a using (packet_id)
where $chat_ids is null or list_contains($chat_ids, p.chat_id)
order by p.ts, p.packet_id
