-- Per-event effects kept as a rollup: at ten million messages a shop chain has thousands of
-- events, and each estimate bootstraps customers 2 × 1,999 times, far too slow to redo on a page.
-- Refreshed with the chat an event was announced in, and for every chat with events when visits,
-- events or member ↔ customer links change.
create table event_effects (
    event_id varchar primary key,
    chat_id varchar not null,
    method varchar,
    estimate double,
    low90 double,
    high90 double,
    low80 double,
    high80 double,
    se double,
    verdict varchar,
    min_detectable double,
    cost_per_extra_visit double,
    caveats varchar[] not null,
    overlapping varchar[] not null,
    did_att double,
    did_low90 double,
    did_high90 double,
    did_treated bigint,
    did_controls bigint,
    did_unmatched bigint,
    pretrend double,
    pretrend_low90 double,
    pretrend_high90 double,
    baseline_lift double,
    baseline_low90 double,
    baseline_high90 double,
    baseline_weeks bigint,
    baseline_days date[],
    baseline_observed double[],
    baseline_expected double[],
    baseline_band_low double[],
    baseline_band_high double[]
);
comment on table event_effects is 'Rollup: per store event announced in a chat, the estimated extra visit-days in days 1–7 (method did or baseline, docs/metrics.md §5.3) with 80% and 90% intervals, the verdict (clear_lift … clear_drop), the minimum detectable effect, caveats (holiday, small_sample, pretrend, overlap), both estimates and the baseline''s days; see core/analytics/events.py.';
insert or replace into meta values ('rollups_stale', '1');
