-- title: Rule hits with their messages
-- grain: one row per (rule, message)
-- params: $chat_ids varchar[] = null
-- description: Table rule_hits (the rule set in use, core/rules.py, with each hit's message) with
--   the chat, the member's name and class, the message's kind and text, the week (Monday), and
--   whether the member was removed from the chat within 7 days after the hit or recalled a
--   message within 10 minutes of it. For the owner to review: a hit is not a verdict.
with removals as (
    select chat_id, member_id, ts from membership_events where kind = 'remove' and member_id is not null
),
recalls as (
    select r.chat_id, r.ts, regexp_extract(r.text, '"(.+)" ?撤回', 1) as name
    from messages r
    where r.kind = 'recall' and r.chat_id in (select chat_id from rule_hits)
      and ($chat_ids is null or list_contains($chat_ids, r.chat_id))
)
select h.chat_id, c.name as chat_name, h.rule_id, h.msg_id, h.member_id,
    coalesce(cm.name, h.sender_name) as member_name, coalesce(cm.member_class, 'customer') as member_class,
    h.ts, date_trunc('week', h.ts)::date as week, h.kind, h.text, h.detail,
    exists (select 1 from removals x where x.chat_id = h.chat_id and x.member_id = h.member_id
            and x.ts >= h.ts and x.ts < h.ts + interval 7 day) as removed_after,
    exists (select 1 from recalls r where r.chat_id = h.chat_id and r.name = coalesce(cm.name, h.sender_name)
            and r.ts >= h.ts and r.ts < h.ts + interval 10 minute) as recalled_after
from rule_hits h
join chats c using (chat_id)
left join chat_members cm on cm.chat_id = h.chat_id and cm.member_id = h.member_id
where $chat_ids is null or list_contains($chat_ids, h.chat_id)
order by h.ts, h.chat_id, h.rule_id, h.msg_id
