-- title: Rule check: external links
-- grain: one row per matching message
-- params: $chat_ids varchar[] = null, $allow varchar = '', $applies_to varchar = 'organic'
-- description: Shared link cards, and texts holding a web address, from the members $applies_to
--   names, unless the text matches $allow (an RE2 alternation of allowed words; empty = none
--   allowed). detail is the link's title or the address.
select m.chat_id, m.msg_id, m.member_id, m.ts,
    coalesce(nullif(regexp_extract(m.text, '(https?://|www\.)[^\s，。]+'), ''), m.text) as detail
from messages m
join chat_members cm using (chat_id, member_id)
where (m.kind = 'link' or regexp_matches(coalesce(m.text, ''), '(https?://|www\.)[A-Za-z0-9]'))
      and ($allow = '' or not regexp_matches(coalesce(m.text, ''), $allow))
      and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
      and ($applies_to = 'everyone' or ($applies_to = 'organic' and cm.is_organic)
           or ($applies_to = 'customers' and cm.member_class = 'customer'))
