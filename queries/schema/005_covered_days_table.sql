-- Covered days were a view over imports, recomputed by every query that masks export gaps; at
-- ten million messages that alone cost 80 ms a query. Kept as a rollup instead.
drop view if exists covered_days;
create table covered_days (
    chat_id varchar not null,
    day date not null,
    primary key (chat_id, day)
);
comment on table covered_days is 'Rollup: the local days some import of the chat covers; a day outside them is a gap in the export, not a quiet day.';
insert or replace into meta values ('rollups_stale', '1');
