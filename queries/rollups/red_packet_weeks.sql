-- title: Dependency on red packets, by week (rollup)
-- grain: one row per (chat_id, week) with organic speakers, in chats with a red packet
-- params: $chat_ids varchar[]
-- description: The owner's dependency signal (docs/metrics.md §7.2): per chat and week (starting
--   Monday), the organic speakers, those who spoke only within 60 minutes after a red packet, and
--   the share of organic active messages sent in such an hour. A rising share warns the group is
--   turning into a 红包群 that talks only when paid.
with organic as (
    select f.chat_id, f.member_id, f.ts, date_trunc('week', f.ts)::date as week
    from message_facts f
    join chat_members cm using (chat_id, member_id)
    where f.is_active and cm.is_organic
      and list_contains($chat_ids, f.chat_id)
      and f.chat_id in (select chat_id from red_packets)
),
flagged as (
    select o.*, exists (
        select 1 from red_packets p
        where p.chat_id = o.chat_id and o.ts >= p.ts and o.ts < p.ts + interval 60 minute
    ) as after_packet
    from organic o
),
speakers as (
    select chat_id, week, member_id, bool_and(after_packet) as only_after, count(*) as msgs,
        count(*) filter (where after_packet) as msgs_after
    from flagged
    group by all
)
select s.chat_id, s.week,
    count(*) as speakers,
    count(*) filter (where only_after) as speakers_only_after_packet,
    count(*) filter (where only_after) / count(*) as share_only_after_packet,
    sum(msgs_after) / sum(msgs) as share_msgs_after_packet,
    (select count(*) from red_packets p
     where p.chat_id = s.chat_id and date_trunc('week', p.ts)::date = s.week) as packets
from speakers s
group by s.chat_id, s.week
