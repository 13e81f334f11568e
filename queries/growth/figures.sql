-- title: Referral growth figures per chat
-- grain: one row per chat
-- params: $chat_ids varchar[] = null, $horizon_days integer = 30
-- description: The invitation tree's shape and how members bring others in (docs/metrics.md §6.2):
--   members, joiners (a join the export shows), members per generation, the deepest generation,
--   the share of joiners at generation 2 or more, the share invited by organic (non-staff)
--   members; and over organic joiners, observed K (invitees within $horizon_days of the
--   inviter's own join, per joiner), the referrer rate (joiners with one invitee or more in that
--   time) and the cycle time (median days from a join to the first invitation after it).
with t as (
    select chat_id, member_id, inviter_id, joined_at, generation, is_organic, inviter_organic
    from invitation_tree
    where $chat_ids is null or list_contains($chat_ids, chat_id)
),
cohort as (
    select j.chat_id, j.member_id,
        count(i.member_id) filter (where i.joined_at >= j.joined_at
                                   and i.joined_at < j.joined_at + to_days($horizon_days)) as invitees,
        epoch(min(i.joined_at) filter (where i.joined_at >= j.joined_at) - j.joined_at) / 86400 as first_invite_days
    from t j
    left join t i on i.chat_id = j.chat_id and i.inviter_id = j.member_id
    where j.is_organic and j.joined_at is not null
    group by j.chat_id, j.member_id, j.joined_at
),
referral as (
    select chat_id, sum(invitees) / count(*) as k_observed, count(*) filter (where invitees > 0) / count(*)
        as referrer_rate, median(first_invite_days) as cycle_time_days
    from cohort
    group by all
),
generations as (
    select chat_id, list({'generation': generation, 'members': members} order by generation) as generations
    from (select chat_id, generation, count(*) as members from t where generation is not null group by all)
    group by all
),
shape as (
    select chat_id, count(*) as members, count(joined_at) as joiners, coalesce(max(generation), 0) as max_depth,
        count(*) filter (where joined_at is not null and generation >= 2) / nullif(count(joined_at), 0)
            as share_deep,
        count(*) filter (where joined_at is not null and inviter_id is not null and inviter_organic)
            / nullif(count(joined_at), 0) as organic_referral_share
    from t
    group by all
)
select s.chat_id, c.name as chat_name, s.members, s.joiners, coalesce(g.generations, []) as generations,
    s.max_depth, s.share_deep, s.organic_referral_share, r.k_observed, r.referrer_rate, r.cycle_time_days
from shape s
join chats c using (chat_id)
left join generations g using (chat_id)
left join referral r using (chat_id)
order by c.name, s.chat_id
