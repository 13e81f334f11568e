-- title: Red-packet windows
-- grain: one row per (packet_id, k): k = 0 the packet's own hour, k = 1…4 the same clock hour 7·k days
--   before, k = −1…−4 the same hour 7·|k| days after
-- params: $chat_ids varchar[] = null
-- description: Rollup red_packet_windows (queries/rollups/red_packet_windows.sql says what each
--   count means): organic messages, speakers, thanks, new voices, the hour before and the day after
--   around each packet and in its control hours, and whether each control is usable.
select * from red_packet_windows
where $chat_ids is null or list_contains($chat_ids, chat_id)
order by chat_id, packet_id, k
