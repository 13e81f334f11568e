-- title: Chat births
-- grain: one row per chat
-- description: When each group was born (docs/metrics.md §3.1: group age day 0), and whether the export
--   shows it. A group is seen being born when a creation notice was imported (WeCom, Telegram), or
--   when its export opens with the creator adding people (WeChat shows a new group as "你邀请…加入了
--   群聊": two or more joins in the very first message). Otherwise the export starts after the group
--   was made, born_at is the first message exported, and its cold start cannot be seen.
with first_seen as (
    select chat_id, min(coverage_start) as first_at
    from (select unnest(chat_ids) as chat_id, coverage_start from imports)
    group by chat_id
),
created as (
    select chat_id, min(ts) as created_at from membership_events where kind = 'create' group by chat_id
),
founding as (
    select e.chat_id, count(*) as founders
    from membership_events e join first_seen f on f.chat_id = e.chat_id and e.ts = f.first_at
    where e.kind = 'join'
    group by e.chat_id
)
select c.chat_id,
    coalesce(cr.created_at, case when fo.founders >= 2 then f.first_at end, f.first_at) as born_at,
    cast(coalesce(cr.created_at, case when fo.founders >= 2 then f.first_at end, f.first_at) as date) as born_on,
    cr.created_at is not null or coalesce(fo.founders, 0) >= 2 as birth_seen
from chats c
join first_seen f using (chat_id)
left join created cr using (chat_id)
left join founding fo using (chat_id)
