-- An event is announced in every chat that pairs with it (rollup event_announcements): a store
-- event whose shop is unknown, or a chain's event, in two chats. event_effects has one row per
-- event and chat (its description always said so) but was keyed by event_id alone, so the second
-- chat's row failed the import that brought it ("Duplicate key event_id: E03"). Rebuilt keyed by
-- (event_id, chat_id), rows and comments kept.
alter table event_effects rename to event_effects_by_event;
create table event_effects (
    event_id varchar not null,
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
    baseline_band_high double[],
    exposed bigint,
    signed_up bigint,
    exposed_linked bigint,
    signed_up_linked bigint,
    attended bigint,
    returned_7 bigint,
    returned_28 bigint,
    revenue_day double,
    revenue_28 double,
    match_rate double,
    primary key (event_id, chat_id)
);
insert into event_effects by name select * from event_effects_by_event;
drop table event_effects_by_event;
comment on table event_effects is 'Rollup: per store event announced in a chat, the estimated extra visit-days in days 1–7 (method did or baseline, docs/metrics.md §5.3) with 80% and 90% intervals, the verdict (clear_lift … clear_drop), the minimum detectable effect, caveats (holiday, small_sample, pretrend, overlap), both estimates and the baseline''s days; see core/analytics/events.py.';
comment on column event_effects.event_id is 'The store event (store_events.event_id).';
comment on column event_effects.chat_id is 'The chat (chats.chat_id) it was announced in.';
comment on column event_effects.method is 'did (signed-up vs other exposed customers) | baseline (same weekday before); null = not enough data.';
comment on column event_effects.estimate is 'Extra store visit-days in days 1–7 after the event day, by method; null when method is.';
comment on column event_effects.low90 is 'Lower end of the 90% bootstrap interval of estimate.';
comment on column event_effects.high90 is 'Upper end of the 90% bootstrap interval of estimate.';
comment on column event_effects.low80 is 'Lower end of the 80% bootstrap interval of estimate.';
comment on column event_effects.high80 is 'Upper end of the 80% bootstrap interval of estimate.';
comment on column event_effects.se is 'Bootstrap standard error of estimate, in visit-days.';
comment on column event_effects.verdict is 'clear_lift | possible_lift | no_difference | possible_drop | clear_drop; null when no estimate.';
comment on column event_effects.min_detectable is 'Smallest effect, in visit-days, this data would detect (90% test, 80% power): 2.487 × se.';
comment on column event_effects.cost_per_extra_visit is 'Event cost ÷ estimate, when the cost is known and the estimate above 0; else null.';
comment on column event_effects.caveats is 'Warnings, any of: holiday, small_sample, pretrend, overlap.';
comment on column event_effects.overlapping is 'The same shop''s other events (store_events.event_id) less than 14 days away.';
comment on column event_effects.did_att is 'DiD: extra visit-days per matched signed-up customer in days 1–7; null without a DiD.';
comment on column event_effects.did_low90 is 'DiD: lower end of the 90% interval of did_att.';
comment on column event_effects.did_high90 is 'DiD: upper end of the 90% interval of did_att.';
comment on column event_effects.did_treated is 'DiD: signed-up linked customers matched to controls with the same pre-period visits.';
comment on column event_effects.did_controls is 'DiD: exposed linked customers who did not sign up (the controls).';
comment on column event_effects.did_unmatched is 'DiD: signed-up customers left out for lack of a control in their stratum.';
comment on column event_effects.pretrend is 'Placebo DiD on days −7 … −1 per customer (should be near 0); null without one.';
comment on column event_effects.pretrend_low90 is 'Lower end of the 90% interval of pretrend.';
comment on column event_effects.pretrend_high90 is 'Upper end of the 90% interval of pretrend.';
comment on column event_effects.baseline_lift is 'Baseline: observed minus expected visit-days of linked exposed members, days 1–7; null without one.';
comment on column event_effects.baseline_low90 is 'Baseline: lower end of the 90% interval of baseline_lift.';
comment on column event_effects.baseline_high90 is 'Baseline: upper end of the 90% interval of baseline_lift.';
comment on column event_effects.baseline_weeks is 'Baseline: fewest earlier same-weekday weeks (4–8) any window day''s expectation used.';
comment on column event_effects.baseline_days is 'Baseline: the window''s local dates, event day + 1 … + 7, for the arrays that follow.';
comment on column event_effects.baseline_observed is 'Baseline: visit-days of linked exposed members on each of baseline_days.';
comment on column event_effects.baseline_expected is 'Baseline: expected visit-days on each of baseline_days, the mean of the same weekday before.';
comment on column event_effects.baseline_band_low is 'Baseline: 5th percentile of the expected visit-days on each of baseline_days.';
comment on column event_effects.baseline_band_high is 'Baseline: 95th percentile of the expected visit-days on each of baseline_days.';
comment on column event_effects.exposed is 'Members exposed (view event_exposure): organic members in the chat when announced, and non-staff sign-ups.';
comment on column event_effects.signed_up is 'Exposed members with a line in the event''s 接龙 list.';
comment on column event_effects.exposed_linked is 'Exposed members with a confirmed store customer link.';
comment on column event_effects.signed_up_linked is 'Signed-up members with a confirmed store customer link.';
comment on column event_effects.attended is 'Signed-up linked customers with a visit on the event day.';
comment on column event_effects.returned_7 is 'Attendees who visited again within 7 days after the event day.';
comment on column event_effects.returned_28 is 'Attendees who visited again within 28 days after the event day.';
comment on column event_effects.revenue_day is 'Attendees'' spend on the event day (sum of visits.amount).';
comment on column event_effects.revenue_28 is 'Signed-up linked customers'' spend in the 28 days after the event day.';
comment on column event_effects.match_rate is 'Share 0–1 of exposed members with a customer link; null when no one was exposed.';
-- the pairing now leaves out a shop named only as part of a longer shop name also named
-- (queries/rollups/event_announcements.sql): pair again, and recount the effects
insert or replace into meta values ('rollups_stale:event_announcements', '1');
insert or replace into meta values ('rollups_stale:event_effects', '1');
