-- title: Members
-- grain: one row per (chat_id, member_id) present at some time in [$start, $end], most active first
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $member_name varchar = null, $classes varchar[] = null, $lurkers_only boolean = false, $limit integer = null
-- description: Every member, lurkers included (from names seen, roles, joins and members.csv), with
--   what they said in the window (active messages, active days, first and last day spoke, days
--   since they last spoke, counted to the window's end), when and how they joined, when they left,
--   their class and roles and Orbit level. A member is present unless they entered after the
--   window or left before it. Every row also carries the totals over everyone present
--   (total_members, total_lurkers, members per Orbit level), before the table's own filters: a
--   name fragment ($member_name), classes ($classes), lurkers only, and at most $limit rows.
with bounds as (
    select chat_id, coalesce(cast($start as date), min(day)) as win_start,
        coalesce(cast($end as date), max(day)) as win_end,
        coalesce(cast($start as date), min(day)) <= min(day) and coalesce(cast($end as date), max(day)) >= max(day)
            as whole
    from covered_days
    where $chat_ids is null or list_contains($chat_ids, chat_id)
    group by chat_id
),
-- a window that spans the chat's whole coverage reads chat_members' totals; only a narrower one
-- sums the daily rows (the default view over months of a large chat stays cheap)
said_in_window as (
    select d.chat_id, d.member_id, sum(d.active_messages)::bigint as messages,
        count(*) filter (where d.active_messages > 0) as active_days,
        min(d.day) filter (where d.active_messages > 0) as first_spoke,
        max(d.day) filter (where d.active_messages > 0) as last_spoke
    from daily_member_activity d
    semi join (select chat_id from bounds where not whole) b using (chat_id)
    where d.member_id is not null
      and ($start is null or d.day >= $start) and ($end is null or d.day <= $end)
    group by all
),
said as (
    select * from said_in_window
    union all
    select m.chat_id, m.member_id, m.n_active, m.active_days, m.first_spoke, m.last_spoke
    from chat_members m semi join (select chat_id from bounds where whole) b using (chat_id)
),
everyone as materialized (
    select m.chat_id, c.name as chat_name, m.member_id,
        m.name,
        m.member_class, m.roles, m.orbit_level,
        coalesce(s.messages, 0)::bigint as messages,
        coalesce(s.active_days, 0)::bigint as active_days,
        s.first_spoke, s.last_spoke,
        b.win_end - s.last_spoke as days_since_spoke,
        cast(m.joined_at as date) as joined_on, m.join_method,
        cast(m.left_at as date) as left_on, m.exit_kind,
        coalesce(s.messages, 0) = 0 as is_lurker
    from chat_members m
    join bounds b using (chat_id)
    join chats c using (chat_id)
    left join said s using (chat_id, member_id)
    where (not $organic or m.is_organic)
      and (m.entered_on is null or m.entered_on <= b.win_end)
      and (m.left_at is null or cast(m.left_at as date) >= b.win_start)
),
totals as (
    select count(*) as total_members,
        count(*) filter (where is_lurker) as total_lurkers,
        count(*) filter (where orbit_level = 'leading') as total_leading,
        count(*) filter (where orbit_level = 'contributing') as total_contributing,
        count(*) filter (where orbit_level = 'participating') as total_participating,
        count(*) filter (where orbit_level = 'exploring') as total_exploring
    from everyone
),
final as (
    select e.*, t.* from everyone e cross join totals t
)
select * from final
where ($member_name is null or contains(name, $member_name))
  and ($classes is null or list_contains($classes, member_class))
  and (not $lurkers_only or is_lurker)
order by messages desc, chat_name, name, member_id
limit $limit
