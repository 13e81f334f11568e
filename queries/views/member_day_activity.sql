-- title: Member day activity with organic flag
-- grain: one row per (chat_id, member_id, day)
-- description: The daily_member_activity rollup with is_organic resolved against roles, so organic
--   figures need no scan of messages.
select
    d.*,
    not exists (
        select 1 from non_organic_members n
        where n.member_id = d.member_id and (n.chat_id is null or n.chat_id = d.chat_id)
    ) as is_organic
from daily_member_activity d
