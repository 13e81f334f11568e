-- Store-side rollups for the pages at chain scale: visits per store and day (read by the activity
-- timeline and the events page instead of scanning every visit), and each event's funnel kept
-- with its effect.
create table store_days (
    store_id varchar,
    day date not null,
    member_visit_days bigint not null,
    walk_in_orders bigint not null,
    revenue double not null
);
comment on table store_days is 'Rollup: per store and local day, visit-days of customers with a membership (a customer''s distinct days with a purchase), orders without one, and revenue. Rebuilt when visits are imported.';

alter table event_effects add column exposed bigint;
alter table event_effects add column signed_up bigint;
alter table event_effects add column exposed_linked bigint;
alter table event_effects add column signed_up_linked bigint;
alter table event_effects add column attended bigint;
alter table event_effects add column returned_7 bigint;
alter table event_effects add column returned_28 bigint;
alter table event_effects add column revenue_day double;
alter table event_effects add column revenue_28 double;
alter table event_effects add column match_rate double;
insert or replace into meta values ('rollups_stale', '1');
