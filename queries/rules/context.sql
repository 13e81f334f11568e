-- title: A message in its context
-- grain: one row per message, in order
-- params: $chat_id varchar = '', $msg_id varchar = '', $around integer = 5
-- description: The message $msg_id of chat $chat_id with the $around messages before and after it
--   (by time, then message id), each with its sender's name; is_hit marks the message itself.
with ordered as (
    select m.msg_id, m.ts, coalesce(cm.name, m.sender_name) as sender, m.kind, m.text,
        row_number() over (order by m.ts, m.msg_id) as pos
    from messages m
    left join chat_members cm on cm.chat_id = m.chat_id and cm.member_id = m.member_id
    where m.chat_id = $chat_id
),
hit as (select pos from ordered where msg_id = $msg_id)
select o.ts, o.sender, o.kind, o.text, o.msg_id = $msg_id as is_hit
from ordered o, hit
where o.pos between hit.pos - $around and hit.pos + $around
order by o.pos
