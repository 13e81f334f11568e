-- title: Alerts
-- grain: one row per (chat_id, alert, week)
-- params: $chat_ids varchar[] = null, $start date = null, $end date = null, $organic boolean = false
-- description: Weeks worth the owner's attention in [$start, $end]. speakers_halved: a fully
--   covered ISO week with at most half the median speakers of the up to 8 fully covered weeks
--   before it (at least 4 of them). unanswered_rise: a week whose share of questions unanswered
--   within 24 h is at least 15 points above the 8 weeks before it (at least 5 questions that
--   week, 10 before). value and baseline are the week's figure and the usual one.
with weeks as (
    select chat_id, period_start as week, speakers, covered_days = 7 as full_week
    from chat_period_speakers
    where period = 'week' and organic = $organic
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
),
speaker_base as (
    -- the usual: median speakers of the fully covered weeks in the 8 weeks before (at least 4)
    select chat_id, week, speakers,
        median(speakers) over w as usual,
        count(*) over w as n_base
    from weeks where full_week
    window w as (partition by chat_id order by week range between interval 56 days preceding
                 and interval 1 day preceding)
),
speakers_halved as (
    select chat_id, 'speakers_halved' as alert, week, speakers::double as value, usual as baseline
    from speaker_base where n_base >= 4 and speakers <= 0.5 * usual
),
q_weeks as (
    select chat_id, cast(date_trunc('week', day) as date) as week, count(*) as questions,
        count(*) filter (where answered_s is null) as unanswered
    from questions
    where observed_s >= 86400
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
      and (not $organic or asker_class in ('customer', 'expert'))
    group by all
),
q_base as (
    select chat_id, week, questions, unanswered / questions as share,
        sum(unanswered) over w / sum(questions) over w as usual,
        sum(questions) over w as n_base
    from q_weeks
    window w as (partition by chat_id order by week range between interval 56 days preceding
                 and interval 1 day preceding)
),
unanswered_rise as (
    select chat_id, 'unanswered_rise' as alert, week, share as value, usual as baseline
    from q_base where questions >= 5 and n_base >= 10 and share >= usual + 0.15
),
final as (
    select a.chat_id, c.name as chat_name, a.alert, a.week, a.value, a.baseline
    from (select * from speakers_halved union all select * from unanswered_rise) a
    join chats c using (chat_id)
    where ($start is null or a.week + 6 >= $start) and ($end is null or a.week <= $end)
)
select * from final order by week desc, chat_name, alert
