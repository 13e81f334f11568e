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
    select w.chat_id, w.week, w.speakers,
        (select median(b.speakers) from weeks b where b.chat_id = w.chat_id and b.full_week
            and b.week < w.week and b.week >= w.week - interval 8 week) as usual,
        (select count(*) from weeks b where b.chat_id = w.chat_id and b.full_week
            and b.week < w.week and b.week >= w.week - interval 8 week) as n_base
    from weeks w where w.full_week
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
    select w.chat_id, w.week, w.questions, w.unanswered / w.questions as share,
        (select sum(b.unanswered) / sum(b.questions) from q_weeks b where b.chat_id = w.chat_id
            and b.week < w.week and b.week >= w.week - interval 8 week) as usual,
        (select sum(b.questions) from q_weeks b where b.chat_id = w.chat_id
            and b.week < w.week and b.week >= w.week - interval 8 week) as n_base
    from q_weeks w
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
