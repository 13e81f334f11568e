-- title: Time to first response
-- grain: one row per chat with questions (with $by_chat), plus one row (chat_id null) for the selected chats together
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false, $by_chat boolean = true
-- description: Questions asked in the window (by organic members with $organic, else by anyone but
--   staff and bots) and their time to first response (docs/metrics.md §2.3). Unanswered questions are
--   right-censored at 24 h (or when the export ends), not dropped: median, p90 and the shares
--   answered within 3 min, 30 min and 24 h come from a Kaplan–Meier estimate, and the median is
--   null when fewer than half are answered. Also who answered first (staff, alt, expert,
--   customer), each one's median time, and the answered share at a ladder of times for the curve.
with q as (
    select chat_id, coalesce(answered_s, observed_s) as t, answered_s is not null as answered,
        responder_class, answered_s
    from questions
    where ($chat_ids is null or list_contains($chat_ids, chat_id))
      and ($start is null or day >= $start) and ($end is null or day <= $end)
      and (not $organic or asker_class in ('customer', 'expert'))
),
scoped as (
    select chat_id as scope, * from q where $by_chat
    union all
    select '*' as scope, * from q
),
times as (
    select scope, t, count(*) filter (where answered) as d, count(*) as n_t from scoped group by all
),
risk as (
    select scope, t, d, sum(n_t) over (partition by scope order by t desc) as at_risk from times
),
km as (
    -- S(t) = product over event times ≤ t of (1 - d / at risk); zero once everyone left was answered
    select scope, t,
        case when max(case when d = at_risk then 1 else 0 end) over w = 1 then 0.0
             else exp(sum(ln(1.0 - d / at_risk)) over w) end as s
    from risk
    window w as (partition by scope order by t rows unbounded preceding)
),
ladder as (
    select g.t_max, k.scope, 1 - coalesce(min(k.s) filter (where k.t <= g.t_max), 1.0) as answered_share
    from (select unnest([10, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400])
          as t_max) g
    cross join (select distinct scope from km) sc
    left join km k on k.scope = sc.scope
    group by g.t_max, k.scope
),
curves as (
    select scope, list(t_max order by t_max) as curve_t, list(answered_share order by t_max) as curve_answered
    from ladder where scope is not null group by scope
),
estimates as (
    select scope,
        -- S is a product of fractions computed through logs: it lands a hair above an exact 1/2
        min(t) filter (where s <= 0.5 + 1e-9) as median_s,
        min(t) filter (where s <= 0.1 + 1e-9) as p90_s,
        1 - coalesce(min(s) filter (where t <= 180), 1.0) as within_3m,
        1 - coalesce(min(s) filter (where t <= 1800), 1.0) as within_30m,
        1 - coalesce(min(s) filter (where t <= 86400), 1.0) as within_24h
    from km group by scope
),
counts as (
    select scope, count(*) as questions, count(*) filter (where answered) as answered,
        count(*) filter (where not answered) as unanswered,
        count(*) filter (where responder_class = 'staff') as by_staff,
        count(*) filter (where responder_class = 'alt') as by_alt,
        count(*) filter (where responder_class = 'expert') as by_expert,
        count(*) filter (where responder_class = 'customer') as by_customer,
        median(answered_s) filter (where responder_class = 'staff') as median_staff_s,
        median(answered_s) filter (where responder_class = 'expert') as median_expert_s,
        median(answered_s) filter (where responder_class = 'customer') as median_customer_s
    from scoped group by scope
),
final as (
    select case when c.scope = '*' then null else c.scope end as chat_id, ch.name as chat_name, c.*,
        e.median_s, e.p90_s, e.within_3m, e.within_30m, e.within_24h, cv.curve_t, cv.curve_answered
    from counts c
    join estimates e using (scope)
    join curves cv using (scope)
    left join chats ch on ch.chat_id = c.scope
)
select * exclude (scope) from final order by chat_id nulls first, chat_name
