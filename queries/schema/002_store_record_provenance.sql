-- Store records (visits.csv, events.csv, members.csv) are imports too: every row they write
-- carries the import that wrote it, so a newer members.csv can replace what an older one declared
-- without touching roles the owner set in the app.
alter table roles add column import_id integer;
alter table member_customers add column import_id integer;
alter table customers add column import_id integer;
alter table store_events add column import_id integer;
alter table visits add column import_id integer;
comment on column roles.import_id is 'The members.csv import that declared this role; null when set in the app or by the system.';
comment on column visits.import_id is 'The visits.csv import that last wrote this visit.';
