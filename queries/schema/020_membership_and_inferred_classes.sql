-- Members of a group that predates its export are present from the export's first day, not from
-- their first message (docs/metrics.md §1.3, "Who is in a chat"); and a member's class also
-- follows what the app infers until the owner says otherwise: the exporting account is the
-- owner, inferred staff and experts, suspected alt accounts (docs/metrics.md §1.3, "Member class").
alter table chat_members add column predates boolean;
comment on column chat_members.predates is 'In the chat before its export begins: the group''s birth is not in the export and no join of this member precedes their first appearance; entered_on is then the first covered day.';
alter table chat_members add column entered_at timestamptz;
comment on column chat_members.entered_at is 'When the member entered: the first join, else the export''s first message when they predate it, else when first seen (docs/metrics.md §1.3).';

create table class_inferences (
    chat_id varchar not null,
    member_id varchar not null,
    member_class varchar not null,
    basis varchar not null,
    primary key (chat_id, member_id)
);
comment on table class_inferences is 'Member classes the app infers for members the owner has given no role (docs/metrics.md §1.3): staff (inferred owner or staff patterns, §4.1), expert (§4.1) or alt (a suspected alt account, §3.4). View member_classes uses them until she confirms or rejects them.';
comment on column class_inferences.chat_id is 'The chat where the member is inferred this class.';
comment on column class_inferences.member_id is 'The member (table members).';
comment on column class_inferences.member_class is 'staff, expert or alt.';
comment on column class_inferences.basis is 'inferred_owner (created the group), inferred_staff (staff patterns), inferred_expert (answer-person signature) or suspected_alt (alt-account score of 4 or more).';

alter table alt_evidence add column cold_start_end_day date;
comment on column alt_evidence.cold_start_end_day is 'The chat''s cold-start end that pre_share is measured against: the one the declared classes give, before suspected alts and other inferred classes are set aside (docs/metrics.md §3.4), so the evidence never feeds on itself.';

insert or replace into meta values ('rollups_stale', '1');
