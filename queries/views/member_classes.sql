-- title: Member classes
-- grain: one row per (chat_id, member_id) whose class is not customer; a member with no row is a customer
-- description: What a member is in a chat, for "all vs organic" (docs/metrics.md §1.3): staff (owner, admin,
--   staff), bot, alt (the owner's 小号) or expert. Customers and experts are organic; the rest are
--   not. First what the owner or the platform stated (view declared_classes: roles declared in
--   members.csv or the app, platform roles, the exporting account as owner); then, for members she
--   gave no role, what the app infers (table class_inferences): the group's creator and accounts
--   with the staff patterns as staff, answer-persons as experts, and suspected alt accounts as alt
--   — these last unless she chose to keep suspected alts in the organic figures (meta key
--   suspected_alts_organic = 1). She confirms an inference by declaring the role, and rejects it by
--   declaring another (customer included).
select chat_id, member_id, member_class
from declared_classes
where member_class <> 'customer'
union all
select i.chat_id, i.member_id, i.member_class
from class_inferences i
anti join declared_classes d on d.chat_id = i.chat_id and d.member_id = i.member_id
where i.basis <> 'suspected_alt'
   or coalesce((select value from meta where key = 'suspected_alts_organic'), '0') <> '1'
