-- title: Rule check: texts matching a pattern
-- grain: one row per matching message
-- params: $chat_ids varchar[] = null, $pattern varchar = '招代理', $applies_to varchar = 'organic'
-- description: The messages with a text (texts, quotes, link titles, file names) matching the RE2
--   pattern, from the members $applies_to names: organic (customers and experts), customers or
--   everyone. detail is the matched text. Keyword rules come here as an alternation of their terms.
select m.chat_id, m.msg_id, m.member_id, m.ts, regexp_extract(m.text, $pattern) as detail
from messages m
join chat_members cm using (chat_id, member_id)
where m.text is not null and m.kind not in ('system', 'recall')
      and regexp_matches(m.text, $pattern)
      and ($chat_ids is null or list_contains($chat_ids, m.chat_id))
      and ($applies_to = 'everyone' or ($applies_to = 'organic' and cm.is_organic)
           or ($applies_to = 'customers' and cm.member_class = 'customer'))
