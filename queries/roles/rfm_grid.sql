-- title: Chat RFM grid
-- grain: one row per (r_score, f_score) cell with members
-- params: $chat_ids varchar[] = null
-- description: Organic members who have spoken, counted by recency score (R, 5 = spoke most
--   recently) and frequency score (F, 5 = most active days in the last 28), quintiles within each
--   chat (docs/metrics.md §4.1), with the cell's segment name.
select r_score, f_score, any_value(rfm_segment) as segment, count(*)::bigint as members
from member_profiles
where ($chat_ids is null or list_contains($chat_ids, chat_id)) and r_score is not null
  and member_class in ('customer', 'expert')
group by all
order by r_score, f_score
