-- title: Dependency on red packets, by week
-- grain: one row per (chat_id, week) with organic speakers, in chats with a red packet
-- params: $chat_ids varchar[] = null
-- description: Rollup red_packet_weeks with the chat's name: per chat and week (Monday) the
--   organic speakers, those who spoke only within 60 minutes after a red packet, the share of
--   organic messages sent in such an hour, and the packets that week (docs/metrics.md §7.2).
select w.chat_id, c.name as chat_name, w.week, w.speakers, w.speakers_only_after_packet,
    w.share_only_after_packet, w.share_msgs_after_packet, w.packets
from red_packet_weeks w
join chats c using (chat_id)
where $chat_ids is null or list_contains($chat_ids, w.chat_id)
order by w.chat_id, w.week
