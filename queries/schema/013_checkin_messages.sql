-- "I'm at the shop" messages kept as a rollup, so member ↔ customer suggestions read a few rows
-- instead of every message (at 10M the scan alone took 140 ms of a 440 ms page). Filled here for
-- every chat at once; imports keep it up to date per chat like the other rollups.
create table checkin_messages (
    chat_id varchar not null,
    msg_id varchar not null,
    member_id varchar not null,
    ts timestamptz not null,
    text varchar not null
);
comment on table checkin_messages is 'Rollup: text messages saying the sender is at the shop (到店了, 我在店里 …), the clue behind visit-based link suggestions.';
insert into checkin_messages
select chat_id, msg_id, member_id, ts, text
from messages
where kind = 'text' and member_id is not null
  and (contains(text, '到店') or contains(text, '店里') or contains(text, '到门店'))
  and regexp_matches(text, '到店了|到店啦|我在店里|在店里了|已到店|到门店了');
