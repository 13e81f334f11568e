-- title: Chat cards
-- grain: one row per chat
-- params: $chat_ids varchar[] = null, $organic boolean = false
-- description: Per chat: members seen, messages, speakers in the last 7 and 28 days of its
--   coverage, coverage dates and whose export it is. "Last 7 days" ends on the chat's last covered
--   day, because an export is a snapshot, not a live feed.
with chats_in as (
    select * from chats where $chat_ids is null or list_contains($chat_ids, chat_id)
),
activity as (
    select * from member_day_activity
    where (not $organic or is_organic) and ($chat_ids is null or list_contains($chat_ids, chat_id))
),
coverage as (
    select unnest(chat_ids) as chat_id, min(coverage_start) as coverage_start, max(coverage_end) as coverage_end,
        string_agg(distinct coalesce(exporter_name, exporter_account), '、') as exporters,
        count(*) as n_imports
    from imports group by 1
),
members_seen as (
    select chat_id, count(distinct member_id) as members_seen from (
        select chat_id, member_id from member_names
        union select chat_id, member_id from membership_events where member_id is not null
        union select chat_id, member_id from daily_member_activity
    ) group by 1
),
speakers as (
    select a.chat_id,
        sum(a.active_messages)::bigint as active_messages,
        count(distinct a.member_id) filter (where a.active_messages > 0) as speakers_all,
        count(distinct a.member_id) filter (
            where a.active_messages > 0 and a.day > cast(c.coverage_end as date) - 7) as speakers_7d,
        count(distinct a.member_id) filter (
            where a.active_messages > 0 and a.day > cast(c.coverage_end as date) - 28) as speakers_28d
    from activity a join coverage c using (chat_id)
    group by 1
),
totals as (
    select chat_id, sum(messages)::bigint as messages from daily_chat_activity group by 1
),
final as (
    select ch.chat_id, ch.name, ch.platform, ch.kind, ch.store_id,
        coalesce(ms.members_seen, 0) as members_seen,
        coalesce(t.messages, 0) as messages,
        coalesce(s.active_messages, 0) as active_messages,
        coalesce(s.speakers_7d, 0) as speakers_7d,
        coalesce(s.speakers_28d, 0) as speakers_28d,
        coalesce(s.speakers_all, 0) as speakers_all,
        cv.coverage_start, cv.coverage_end, cv.exporters, cv.n_imports
    from chats_in ch
    left join members_seen ms using (chat_id)
    left join totals t using (chat_id)
    left join speakers s using (chat_id)
    left join coverage cv using (chat_id)
)
select * from final order by messages desc, name
