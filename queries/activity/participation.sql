-- title: Participation inequality
-- grain: one row per chat
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Over the members present for the whole window (entered by its first day, not gone
--   before its last; lurkers included with zero, docs/metrics.md §2.5), from their active messages in
--   the window: lurkers and lurker ratio, Gini, the top 10 % members' share of messages, effective
--   speakers (Hill q1 = exp of the Shannon entropy of message shares: the chat behaves as if that
--   many people shared it evenly), contributor absence factor (fewest members who sent half the
--   messages) and the top 1 % (superusers, at least one)'s share; and the Lorenz curve: members
--   sorted from quietest (lorenz_members, the share of them) against their cumulative share of
--   messages (lorenz_messages), one point per percent of members. The window defaults to the
--   chat's whole coverage.
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
    select m.chat_id, m.member_id, coalesce(s.messages, 0)::double as x
    from chat_members m
    join bounds b using (chat_id)
    left join said s using (chat_id, member_id)
    where (not $organic or m.is_organic)
      and (m.entered_on is null or m.entered_on <= b.win_start)
      and (m.left_at is null or cast(m.left_at as date) >= b.win_end)
),
ranked as (
    -- one ascending order serves both ends: counted from the top, a member is n - i_up + 1 and the
    -- messages from them up are total - running_up + x
    select chat_id, x,
        row_number() over (partition by chat_id order by x) as i_up,
        sum(x) over (partition by chat_id order by x rows unbounded preceding) as running_up,
        count(*) over (partition by chat_id) as n,
        sum(x) over (partition by chat_id) as total
    from present
),
per_chat as (
    select chat_id, any_value(n) as members, any_value(total) as messages,
        count(*) filter (where x > 0) as speakers,
        count(*) filter (where x = 0) as lurkers,
        2 * sum(i_up * x) / nullif(any_value(n) * any_value(total), 0) - (any_value(n) + 1) / any_value(n) as gini,
        sum(x) filter (where n - i_up + 1 <= ceil(0.1 * n)) / nullif(any_value(total), 0) as top10_share,
        sum(x) filter (where n - i_up + 1 <= greatest(1, ceil(0.01 * n))) / nullif(any_value(total), 0) as top1_share,
        exp(-sum(case when x > 0 then (x / total) * ln(x / total) else 0 end)) as effective_speakers,
        min(n - i_up + 1) filter (where total - running_up + x >= 0.5 * total and total > 0) as absence_factor,
        -- the Lorenz curve, thinned to one point per percent of members
        list(i_up / n order by i_up) filter (where total > 0 and (i_up = n or floor(i_up * 100 / n) > floor((i_up - 1) * 100 / n)))
            as lorenz_members,
        list(running_up / total order by i_up) filter (
            where total > 0 and (i_up = n or floor(i_up * 100 / n) > floor((i_up - 1) * 100 / n))) as lorenz_messages
    from ranked
    group by chat_id
),
final as (
    select p.chat_id, c.name as chat_name, b.win_start, b.win_end, p.members, p.speakers, p.lurkers,
        p.lurkers / nullif(p.members, 0) as lurker_ratio, p.messages::bigint as messages,
        case when p.messages > 0 then p.gini end as gini, p.top10_share, p.top1_share,
        case when p.messages > 0 then p.effective_speakers end as effective_speakers, p.absence_factor,
        p.lorenz_members, p.lorenz_messages
    from per_chat p
    join chats c using (chat_id)
    join bounds b using (chat_id)
)
select * from final order by messages desc, chat_name
