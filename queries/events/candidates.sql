-- title: Messages that may announce an event
-- grain: one row per message or 接龙 list
-- params: $chat_ids varchar[]
-- description: What event detection (docs/metrics.md §5.2) reads in the chosen chats: text messages
--   with event words (活动 报名 接龙 课 比赛 DIY 手工 亲子 到店 名额) and a day expression (6月14日, 周六,
--   明天 …), and every 接龙 list with its title and first version. Who sent each (class) is kept so
--   announcements by the shop can be told from customers' chatter.
select m.chat_id, m.msg_id, m.ts, m.text, coalesce(c.member_class, 'customer') as sender_class,
    null::varchar as solitaire_id
from messages m
left join (select * from member_classes where list_contains($chat_ids, chat_id)) c using (chat_id, member_id)
where m.chat_id = any($chat_ids) and m.kind in ('text', 'quote')
  and regexp_matches(m.text, '活动|报名|接龙|课|比赛|DIY|手工|亲子|到店|名额')
  and regexp_matches(m.text, '\d{1,2}月\d{1,2}|[周星期拜][一二三四五六日天末]|今天|今晚|明天|明晚|后天')
union all
select s.chat_id, s.first_msg_id, s.first_seen_at, s.title, 'customer', s.solitaire_id
from solitaires s
where list_contains($chat_ids, s.chat_id)
order by chat_id, ts
