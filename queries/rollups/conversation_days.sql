-- title: Conversations per day
-- grain: one row per (chat_id, gap_minutes, day) with a conversation started that day
-- params: $chat_ids varchar[]
-- description: Counts from the conversations rollup (docs/metrics.md §2.4) per chat, silence gap and the
--   local day a conversation started: all of them, those with at least two speakers and with at
--   least two organic speakers, those started by staff, and of those the ones that drew an
--   organic reply. Shares over any set of days are sums of these.
select chat_id, gap_minutes, day, count(*)::bigint as conversations,
    count(*) filter (where n_speakers >= 2)::bigint as two_speakers,
    count(*) filter (where n_organic_speakers >= 2)::bigint as two_organic_speakers,
    count(*) filter (where starter_class = 'staff')::bigint as staff_started,
    count(*) filter (where starter_class = 'staff' and drew_organic_reply)::bigint as staff_started_replied
from conversations
where list_contains($chat_ids, chat_id)
group by chat_id, gap_minutes, day
