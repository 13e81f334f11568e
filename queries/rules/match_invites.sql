-- title: Rule check: invitations by members not allowed to invite
-- grain: one row per join notice
-- params: $chat_ids varchar[] = null, $allow varchar[] = null
-- description: Joins in which a member whose class (staff, expert, alt, customer, bot) is not in
--   $allow brought someone in, by invitation or by sharing a QR code. The hit belongs to the
--   inviter; msg_id is the join notice and detail the newcomer's name.
select e.chat_id, e.msg_id, e.actor_member_id as member_id, e.ts, e.raw_name as detail
from membership_events e
left join chat_members a on a.chat_id = e.chat_id and a.member_id = e.actor_member_id
where e.kind = 'join' and e.actor_member_id is not null and e.msg_id is not null
      and not list_contains(coalesce($allow, ['staff']), coalesce(a.member_class, 'customer'))
      and ($chat_ids is null or list_contains($chat_ids, e.chat_id))
