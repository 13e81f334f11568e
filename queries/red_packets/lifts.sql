-- title: Red-packet lifts
-- grain: one row per red packet
-- params: $chat_ids varchar[] = null
-- description: Each packet's own hour (organic messages, speakers, thanks, substantive talk, new
--   voices, the hour before, the day after; rollup red_packet_windows, k = 0) beside what its
--   control hours lead to expect and the lifts with their 95% intervals (rollup red_packet_lifts,
--   core/analytics/red_packets.py). n_controls = 0 means no usable control hour: no expectation.
select w.packet_id, w.chat_id, w.w0, w.msgs_60, w.speakers_60, w.thanks_60, w.substantive_60, w.new_voices_60,
    w.msgs_pre_60, w.msgs_24, w.usable, w.usable_24, l.* exclude (packet_id, chat_id)
from red_packet_windows w
join red_packet_lifts l using (packet_id)
where w.k = 0 and ($chat_ids is null or list_contains($chat_ids, w.chat_id))
order by w.w0, w.packet_id
