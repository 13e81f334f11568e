-- title: Chat list
-- grain: one row per chat
-- params: none
-- description: Chats for the sidebar filter, with their coverage dates.
with coverage as (
    select unnest(chat_ids) as chat_id, min(coverage_start) as coverage_start, max(coverage_end) as coverage_end
    from imports group by 1
)
select c.chat_id, c.name, c.platform, c.kind, cast(v.coverage_start as date) as first_day,
    cast(v.coverage_end as date) as last_day
from chats c left join coverage v using (chat_id)
order by c.name
