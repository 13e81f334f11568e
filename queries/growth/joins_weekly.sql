-- title: Joins and exits by week
-- grain: one row per (chat_id, week, event, method, inviter_kind)
-- params: $chat_ids varchar[] = null
-- description: Membership changes per chat and week (Monday) from the system notices: joins by
--   method (invite: invited by someone; qr: scanned a QR code someone shared; link; unknown) and
--   by who brought them (member: an organic member; staff: the owner, staff, an alt or a bot;
--   none), and exits (remove: removed by an admin; leave: left on their own, where the export
--   shows it). Re-joins count each time.
select e.chat_id, c.name as chat_name, date_trunc('week', e.ts)::date as week, e.kind as event,
    case when e.kind = 'join' then coalesce(e.method, 'unknown') end as method,
    case when e.kind <> 'join' or e.actor_member_id is null then 'none'
         when coalesce(a.is_organic, true) then 'member' else 'staff' end as inviter_kind,
    count(*) as members
from membership_events e
join chats c using (chat_id)
left join chat_members a on a.chat_id = e.chat_id and a.member_id = e.actor_member_id
where e.kind in ('join', 'remove', 'leave')
  and ($chat_ids is null or list_contains($chat_ids, e.chat_id))
group by all
order by e.chat_id, week, event, method, inviter_kind
