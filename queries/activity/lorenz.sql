-- title: Lorenz curve of messages
-- grain: one row per (chat_id, point); at most 101 points per chat
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: The share of messages sent by the least active share of members, over the same
--   members and window as Participation inequality: x = members sorted from quietest, y = their
--   cumulative share of active messages. Thinned to one point per percent of members.
with bounds as (
    select chat_id, coalesce(cast($start as date), min(day)) as win_start,
        coalesce(cast($end as date), max(day)) as win_end
    from covered_days
    where $chat_ids is null or list_contains($chat_ids, chat_id)
    group by chat_id
),
said as (
    select chat_id, member_id, sum(active_messages)::bigint as messages
    from daily_member_activity
    where member_id is not null
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
    group by all
),
present as (
    select m.chat_id, coalesce(s.messages, 0)::double as x
    from chat_members m
    join bounds b using (chat_id)
    left join said s using (chat_id, member_id)
    where (not $organic or m.is_organic)
      and (m.entered_on is null or m.entered_on <= b.win_start)
      and (m.left_at is null or cast(m.left_at as date) >= b.win_end)
),
curve as (
    select chat_id,
        row_number() over w as i,
        count(*) over (partition by chat_id) as n,
        sum(x) over (w rows unbounded preceding) / nullif(sum(x) over (partition by chat_id), 0) as message_share
    from present
    window w as (partition by chat_id order by x)
),
final as (
    select c.chat_id, ch.name as chat_name, c.i / c.n as member_share, c.message_share
    from curve c join chats ch using (chat_id)
    where c.message_share is not null and (c.i = c.n or floor(c.i * 100 / c.n) > floor((c.i - 1) * 100 / c.n))
)
select * from final order by chat_name, member_share
