-- Column descriptions: one sentence on every column of every table, saying what it holds, its
-- unit, its values, what null means and which table a key refers to. The SQL page's schema browser
-- and duckdb_columns() show them to analysts, who should not need the code to read a column.
-- Columns described by earlier migrations keep their comments. "Local date" is a calendar day in
-- the configured time zone (Asia/Shanghai by default); timestamptz columns are instants.

comment on table schema_migrations is 'One row per migration in queries/schema/ applied to this database.';
comment on column schema_migrations.version is 'Migration number, the NNN of queries/schema/NNN_name.sql.';
comment on column schema_migrations.name is 'File name of the migration.';
comment on column schema_migrations.applied_at is 'When the migration was applied to this database.';

comment on column meta.key is 'Name of the fact: data_version, views_fingerprint, topics_fingerprint, rules_toml, rollups_stale …';
comment on column meta.value is 'Value of the fact, as text (data_version goes up by one with every change).';

comment on column stores.store_id is 'The shop''s key: its name as written in visits.csv or events.csv.';
comment on column stores.name is 'The shop''s display name (the same text as store_id when an import created the shop).';
comment on column stores.city is 'The shop''s city; no import or page fills it yet (null).';
comment on column stores.note is 'A note on the shop; no import or page fills it yet (null).';

comment on column imports.import_id is 'Number of the import (1, 2, …); every row it wrote carries it.';
comment on column imports.file_name is 'Name of the imported file.';
comment on column imports.file_path is 'Absolute path of the file when it was imported.';
comment on column imports.sha256 is 'SHA-256 of the file''s bytes; a file already imported is not imported again.';
comment on column imports.format is 'Format read, e.g. wechat_memotrace_csv, telegram_json; store_visits, store_events, store_members, join_regimes.';
comment on column imports.platform is 'wechat, telegram, whatsapp, qq, discord, wecom, chatlab or generic; store for store records.';
comment on column imports.encoding is 'Text encoding the file was read in, e.g. utf-8, utf-8 (BOM), gb18030.';
comment on column imports.source_tz is 'Time zone the file''s wall-clock times were read in; null when the export gives instants.';
comment on column imports.exporter_account is 'Platform key (e.g. wxid) of the account that made the export; null when the export does not say.';
comment on column imports.exporter_name is 'Display name of the account that made the export; null when the export does not say.';
comment on column imports.coverage_start is 'First message instant in the file (store records: first visit or event start; null for members/regimes).';
comment on column imports.coverage_end is 'Last message instant in the file (store records: last visit or event start; null for members/regimes).';
comment on column imports.n_read is 'Records read from the file (messages, or CSV rows for store records).';
comment on column imports.n_new is 'New rows: messages not stored before; for store records new visits, events, periods or members.';
comment on column imports.n_duplicate is 'Records already stored: messages seen before or twice in the file; store records unchanged.';
comment on column imports.n_skipped is 'Unreadable lines or records skipped (always 0 for store records, which import whole or not at all).';
comment on column imports.skipped_samples is 'Up to 20 skipped lines, each with its line number, the reason and the start of its text.';
comment on column imports.chat_ids is 'The chats (chats.chat_id) the file holds; empty for store records.';
comment on column imports.parser_version is 'Version of the ingest code that read the file.';
comment on column imports.status is 'Outcome of the import: imported (the only value written so far).';
comment on column imports.imported_at is 'When the import was stored.';

comment on column chats.chat_id is 'Stable id of the chat: c followed by an md5 of the platform and the chat''s key.';
comment on column chats.platform is 'Platform of the chat: wechat, telegram, whatsapp, qq, discord, wecom, chatlab or generic.';
comment on column chats.platform_key is 'The chat''s key on the platform (e.g. 123@chatroom), or its name when the export has no id.';
comment on column chats.name is 'Name of the chat as the export gives it.';
comment on column chats.kind is 'group | private | channel.';
comment on column chats.store_id is 'The shop (stores.store_id) the chat belongs to, given at import; null = not said.';
comment on column chats.created_at is 'When the group was created; no import fills it yet (null): see view chat_births for each chat''s birth.';

comment on column members.member_id is 'Stable id of the person: m followed by an md5 of the platform and platform_key.';
comment on column members.platform is 'Platform of the account: wechat, telegram, whatsapp, qq, discord, wecom, chatlab or generic.';
comment on column members.platform_key is 'User key on the platform (wxid, user id, phone); name:<chat key>:<name> if only a name was seen.';
comment on column members.key_kind is 'id (a platform key) | name (known only by a name in one chat) | self (the exporter, key unknown).';
comment on column members.display_name is 'The name this member was last seen under, in any chat.';

comment on column member_names.member_id is 'The member (members.member_id).';
comment on column member_names.chat_id is 'The chat (chats.chat_id) where the name was used.';
comment on column member_names.name is 'A name (group nickname, display name) the member went by in the chat, as the export or members.csv wrote it.';
comment on column member_names.first_seen_at is 'First time the member was seen under this name; null when only members.csv gives it.';
comment on column member_names.last_seen_at is 'Last time the member was seen under this name; null when only members.csv gives it.';

comment on column roles.chat_id is 'The chat (chats.chat_id) where the role holds; null = every chat the member is in.';
comment on column roles.member_id is 'The member (members.member_id) holding the role.';
comment on column roles.role is 'owner | admin | staff | expert | alt | bot | customer.';
comment on column roles.domain is 'Expert domain tag (育儿, 花艺, 瑜伽 …) from members.csv or the app; null when none given.';
comment on column roles.source is 'declared (members.csv or the app) | system (stated by the export); inferred roles are in member_profiles.';
comment on column roles.valid_from is 'For a role the export states, when its notice appeared (e.g. new group owner); else null.';
comment on column roles.valid_to is 'When the role ended; nothing sets it yet (null = still held).';
comment on column roles.note is 'Free note from members.csv or the app (alt-account review for the owner''s answer to an alt suspicion).';

comment on column messages.msg_id is 'Stable id: a hash of platform, chat key and the export''s message id, else instant, sender, kind and text.';
comment on column messages.chat_id is 'The chat (chats.chat_id).';
comment on column messages.member_id is 'Sender (members.member_id), or who recalled or patted; null for system notices or an unknown sender.';
comment on column messages.ts is 'When the message was sent (instant).';
comment on column messages.kind is 'text, image, voice, video, sticker, link, file, location, quote, red_packet, transfer, solitaire, pat, recall, call, system, other.';
comment on column messages.text is 'Text as exported: the message, a notice''s wording, a link''s or packet''s title; null for media without text.';
comment on column messages.n_chars is 'Characters in the text, for text and quote messages; null for other kinds.';
comment on column messages.reply_to_msg_id is 'The stored message (messages.msg_id) this one quotes or replies to; null when none or not found.';
comment on column messages.mentions is 'Members (members.member_id) the message @mentions (for a pat: who was patted); @所有人 left out.';
comment on column messages.platform_msg_id is 'The export''s own id for the message, where it has one.';
comment on column messages.sender_name is 'The sender''s name as the export shows it on this message.';
comment on column messages.is_self is 'True when the export marks the message as sent by the exporting account.';
comment on column messages.raw_type is 'The export''s own type code or label for the message (e.g. 49/57, 引用消息).';
comment on column messages.import_id is 'The import (imports.import_id) that stored the message.';
comment on column messages.source_line is 'Line or record number of the message in the imported file.';

comment on column membership_events.event_id is 'Id of the event: the notice''s msg_id, a colon and the row''s position in that notice.';
comment on column membership_events.chat_id is 'The chat (chats.chat_id).';
comment on column membership_events.ts is 'When the notice was posted (instant).';
comment on column membership_events.kind is 'join | leave | remove | create | rename; pin | icon | description | settings | other for other notices.';
comment on column membership_events.member_id is 'Who joined, left or was removed (members.member_id); for create, rename and the like, who did it.';
comment on column membership_events.actor_member_id is 'Who acted (members.member_id): inviter, QR-code sharer, remover, renamer; null when not stated.';
comment on column membership_events.method is 'For joins: invite | qr | link | creator | request | unknown; null for other kinds or when not stated.';
comment on column membership_events.raw_name is 'The subject''s name as the notice writes it; for rename and the like, the new name or what changed.';
comment on column membership_events.msg_id is 'The system message (messages.msg_id) the event was read from.';
comment on column membership_events.import_id is 'The import (imports.import_id) that stored the event.';

comment on column red_packets.packet_id is 'Id of the packet: the msg_id of the message that sent it.';
comment on column red_packets.chat_id is 'The chat (chats.chat_id) it was sent in.';
comment on column red_packets.ts is 'When the packet was sent (instant).';
comment on column red_packets.sender_member_id is 'Who sent it (members.member_id).';
comment on column red_packets.title is 'The packet''s greeting (e.g. 恭喜发财，大吉大利) where the export gives it; null otherwise.';
comment on column red_packets.msg_id is 'The message (messages.msg_id) that sent the packet.';
comment on column red_packets.import_id is 'The import (imports.import_id) that stored it.';

comment on column red_packet_claims.claim_id is 'Id of the claim: the msg_id of its claim notice.';
comment on column red_packet_claims.chat_id is 'The chat (chats.chat_id).';
comment on column red_packet_claims.ts is 'When the claim notice was posted (instant).';
comment on column red_packet_claims.claimer_member_id is 'Who claimed the packet (members.member_id).';
comment on column red_packet_claims.sender_member_id is 'Who sent the claimed packet (members.member_id).';
comment on column red_packet_claims.packet_id is 'The packet claimed (red_packets.packet_id): the sender''s latest packet before the claim; null if none.';
comment on column red_packet_claims.msg_id is 'The claim notice (messages.msg_id).';
comment on column red_packet_claims.import_id is 'The import (imports.import_id) that stored it.';

comment on column solitaires.solitaire_id is 'Id of the list: an md5 of the chat and the list''s topic.';
comment on column solitaires.chat_id is 'The chat (chats.chat_id).';
comment on column solitaires.title is 'The list''s topic: the lines after #接龙 up to the first entry.';
comment on column solitaires.first_seen_at is 'When the first version of the list was posted.';
comment on column solitaires.last_seen_at is 'When the latest version of the list was posted.';
comment on column solitaires.n_versions is 'Versions of the list posted, as counted by the import that first stored it.';
comment on column solitaires.first_msg_id is 'The message (messages.msg_id) that posted the first version.';
comment on column solitaires.import_id is 'The import (imports.import_id) that first stored the list.';

comment on column solitaire_entries.solitaire_id is 'The list (solitaires.solitaire_id).';
comment on column solitaire_entries.position is 'Number of the line in the latest version the storing import saw (1 = first line).';
comment on column solitaire_entries.member_id is 'Who signed (members.member_id): the poster of a version adding it, else the member the line names.';
comment on column solitaire_entries.raw_name is 'The name part of the line, as written (王五 带1人 → 王五).';
comment on column solitaire_entries.text is 'The line as written, without its number.';
comment on column solitaire_entries.first_seen_at is 'When the first version holding this line was posted: the sign-up time.';
comment on column solitaire_entries.msg_id is 'The message (messages.msg_id) of the first version holding this line.';
comment on column solitaire_entries.import_id is 'The import (imports.import_id) that stored the line.';

comment on column terms.msg_id is 'The text or quote message (messages.msg_id).';
comment on column terms.chat_id is 'The chat (chats.chat_id).';
comment on column terms.term is 'One word as cut at ingest, one row per occurrence; single characters, numbers and stopwords left out.';

comment on column customers.customer_id is 'The customer''s POS membership number (会员号), from visits.csv or members.csv.';
comment on column customers.name is 'The customer''s name; no import or page fills it yet (null).';
comment on column customers.phone_last4 is 'Last four digits of the customer''s phone, from members.csv; null when not given.';
comment on column customers.store_id is 'A shop (stores.store_id) from the visits.csv that first named the customer; null if none or members.csv did.';
comment on column customers.note is 'A note on the customer; no import or page fills it yet (null).';
comment on column customers.import_id is 'The import (visits.csv or members.csv) that first wrote this customer.';

comment on column member_customers.member_id is 'The chat member (members.member_id).';
comment on column member_customers.customer_id is 'The store customer (customers.customer_id).';
comment on column member_customers.method is 'How the link was found: declared (members.csv) | phone | name_match | visit_after_message.';
comment on column member_customers.confidence is 'Confidence 0–1: 1 when declared, else the suggestion''s score; null when none was given.';
comment on column member_customers.import_id is 'The members.csv import that declared the link; null when the owner answered in the app.';

comment on column store_events.event_id is 'Id from events.csv (shop:id when another shop holds the id), or chat-<detect_id> for a confirmed chat event.';
comment on column store_events.store_id is 'The shop (stores.store_id) holding the event; null = not said.';
comment on column store_events.name is 'Name of the event (e.g. 夏日插花课).';
comment on column store_events.category is 'Type of event as events.csv names it (e.g. 花艺, 烘焙); null when not given.';
comment on column store_events.announce_at is 'When the event was announced (events.csv, or the chat announcement); null when not given.';
comment on column store_events.start_at is 'When the event starts (instant).';
comment on column store_events.end_at is 'When the event ends; null when not given.';
comment on column store_events.cost is 'What the event cost, as in events.csv (¥/元 signs stripped); null when not given.';
comment on column store_events.announcement_msg_id is 'The chat message (messages.msg_id) announcing a confirmed chat event; null for events.csv rows.';
comment on column store_events.import_id is 'The events.csv import that last wrote the event; null for a chat event confirmed in the app.';

comment on column visits.visit_id is 'Order number from visits.csv (shop:number when another shop holds the number).';
comment on column visits.store_id is 'The shop (stores.store_id) of the order; null when not given.';
comment on column visits.customer_id is 'The customer (customers.customer_id); null = an order without a membership (walk-in).';
comment on column visits.ts is 'When the order was made (instant).';
comment on column visits.amount is 'Amount paid, as in visits.csv (¥/元 signs stripped); null when not given.';

comment on column daily_chat_activity.chat_id is 'The chat (chats.chat_id).';
comment on column daily_chat_activity.day is 'Local date.';
comment on column daily_chat_activity.messages is 'All messages that day, system notices included.';
comment on column daily_chat_activity.active_messages is 'Active messages that day: all but system notices and recall stubs.';
comment on column daily_chat_activity.speakers is 'Distinct known members with an active message that day (DAU, everyone).';

comment on column daily_member_activity.chat_id is 'The chat (chats.chat_id).';
comment on column daily_member_activity.member_id is 'The sender (members.member_id); null = no known sender (system notices, unnamed senders).';
comment on column daily_member_activity.day is 'Local date.';
comment on column daily_member_activity.messages is 'Messages that day, of every kind.';
comment on column daily_member_activity.active_messages is 'Active messages that day: all but system notices and recall stubs.';
comment on column daily_member_activity.n_chars is 'Characters in that day''s text and quote messages.';

comment on column reactions.msg_id is 'The message reacted to (messages.msg_id).';
comment on column reactions.chat_id is 'The chat (chats.chat_id).';
comment on column reactions.emoji is 'The reaction emoji (? when the export does not name it).';
comment on column reactions.n is 'How many reacted with it, as the export states.';
comment on column reactions.member_ids is 'Members (members.member_id) the export names as reacting, often only the latest few; null if none.';
comment on column reactions.import_id is 'The import (imports.import_id) that stored the reaction.';

comment on column chat_members.chat_id is 'The chat (chats.chat_id).';
comment on column chat_members.member_id is 'The member (members.member_id).';
comment on column chat_members.member_class is 'staff | bot | alt | expert | customer (view member_classes) when the rollup was refreshed.';
comment on column chat_members.is_organic is 'True for customers and experts, the members organic figures count.';
comment on column chat_members.roles is 'Declared or platform-stated roles (roles.role) in this chat, sorted; null when none.';
comment on column chat_members.joined_at is 'First join (or creation) of the chat seen; null when no join notice was seen.';
comment on column chat_members.join_method is 'How that first join happened: invite | qr | link | creator | request | unknown; null when none seen.';
comment on column chat_members.left_at is 'Last exit (leave or removal) when after the last join; null = still in the chat, or exit not seen.';
comment on column chat_members.exit_kind is 'leave | remove, the kind of the exit at left_at; null when not gone.';
comment on column chat_members.first_seen_at is 'First time the member was seen under a name in this chat (member_names); null when never at a time.';
comment on column chat_members.last_seen_at is 'Last time the member was seen under a name in this chat (member_names); null when never at a time.';
comment on column chat_members.entered_on is 'Local date of joining, else the earlier of first seen and first spoke; null when unknown.';
comment on column chat_members.entered_approx is 'True when no join was seen, so entered_on is first seen or first spoke.';
comment on column chat_members.n_messages is 'Messages the member sent in the chat, of every kind.';
comment on column chat_members.n_active is 'Active messages the member sent in the chat (all but system notices and recall stubs).';
comment on column chat_members.active_days is 'Local days with at least one active message from the member.';
comment on column chat_members.first_spoke is 'Local date of the member''s first active message; null = never spoke.';
comment on column chat_members.last_spoke is 'Local date of the member''s last active message; null = never spoke.';
comment on column chat_members.orbit_level is 'leading | contributing | participating | exploring: best Orbit level in the year to the last covered day.';
comment on column chat_members.activated is 'Spoke within 7 days of entering (entered_on to entered_on + 6); null when entered_on is unknown.';
comment on column chat_members.spoke_week_1 is 'Spoke in the ISO week after the week of entering; null when entered_on is unknown.';
comment on column chat_members.spoke_week_2 is 'Spoke in the 2nd ISO week after the week of entering; null when entered_on is unknown.';
comment on column chat_members.spoke_week_4 is 'Spoke in the 4th ISO week after the week of entering; null when entered_on is unknown.';
comment on column chat_members.spoke_week_8 is 'Spoke in the 8th ISO week after the week of entering; null when entered_on is unknown.';

comment on column chat_day_speakers.chat_id is 'The chat (chats.chat_id).';
comment on column chat_day_speakers.day is 'Local date covered by an import.';
comment on column chat_day_speakers.organic is 'false = everyone; true = organic members only (customers and experts).';
comment on column chat_day_speakers.messages is 'Active messages that day (organic: by customers, experts and unknown senders).';
comment on column chat_day_speakers.speakers is 'DAU: distinct members with an active message that day.';
comment on column chat_day_speakers.wau is 'WAU: distinct members with an active message in the 7 local days ending that day.';
comment on column chat_day_speakers.mau28 is 'MAU28: distinct members with an active message in the 28 local days ending that day.';
comment on column chat_day_speakers.members is 'Members in the chat at some time that day (the speaker rate''s denominator).';
comment on column chat_day_speakers.members_7d is 'Members in the chat at some time in the 7 local days ending that day.';

comment on column chat_period_speakers.chat_id is 'The chat (chats.chat_id).';
comment on column chat_period_speakers.period is 'week (ISO, Monday to Sunday) | month (calendar).';
comment on column chat_period_speakers.period_start is 'First local date of the period (a Monday, or the 1st of the month).';
comment on column chat_period_speakers.organic is 'false = everyone; true = organic members only (customers and experts).';
comment on column chat_period_speakers.covered_days is 'Days of the period some import covers (fewer than 7 or the month''s days = partly covered).';
comment on column chat_period_speakers.messages is 'Active messages in the period (organic: by customers, experts and unknown senders).';
comment on column chat_period_speakers.speakers is 'Distinct members with an active message in the period.';

comment on column hourly_activity.chat_id is 'The chat (chats.chat_id).';
comment on column hourly_activity.day is 'Local date.';
comment on column hourly_activity.hour is 'Local hour of the day, 0–23.';
comment on column hourly_activity.kind is 'Message kind (messages.kind); system notices and recall stubs are left out.';
comment on column hourly_activity.member_class is 'Sender''s class: staff | bot | alt | expert | customer (unknown senders count as customer).';
comment on column hourly_activity.messages is 'Active messages in that hour of that kind and class.';

comment on column conversations.chat_id is 'The chat (chats.chat_id).';
comment on column conversations.gap_minutes is 'Silence, in minutes, that starts a new conversation: 10, 30, 60 or 90.';
comment on column conversations.conv_no is 'Number of the conversation in the chat for this gap, from 1 in time order.';
comment on column conversations.started_at is 'Instant of its first active message.';
comment on column conversations.day is 'Local date it started.';
comment on column conversations.ended_at is 'Instant of its last active message.';
comment on column conversations.n_messages is 'Active messages in it.';
comment on column conversations.n_speakers is 'Distinct known members who spoke in it.';
comment on column conversations.n_organic_speakers is 'Distinct customers and experts who spoke in it.';
comment on column conversations.starter_id is 'Who sent its first message (members.member_id); null when unknown.';
comment on column conversations.starter_class is 'Class of the starter: staff | bot | alt | expert | customer.';
comment on column conversations.drew_organic_reply is 'True when a customer or expert other than the starter spoke in it.';
comment on column conversations.n_customer_speakers is 'Distinct customers who spoke in it.';
comment on column conversations.n_staff_speakers is 'Distinct staff (owner, admin, staff) who spoke in it.';
comment on column conversations.n_expert_speakers is 'Distinct experts who spoke in it.';

comment on column questions.chat_id is 'The chat (chats.chat_id).';
comment on column questions.msg_id is 'The question (messages.msg_id): a text or quote with ? or a question word, not by staff or bots.';
comment on column questions.asked_at is 'When the question was sent (instant).';
comment on column questions.day is 'Local date of the question.';
comment on column questions.member_id is 'Who asked (members.member_id).';
comment on column questions.asker_class is 'Asker''s class: customer | expert | alt.';
comment on column questions.observed_s is 'Seconds the export lets us wait for an answer: 86400 (24 h), or less when the export ends sooner.';
comment on column questions.answered_s is 'Seconds from the question to its first response; null = no response within observed_s.';
comment on column questions.responder_id is 'Who responded first (members.member_id); null when no response.';
comment on column questions.responder_class is 'Responder''s class: staff | bot | alt | expert | customer; null when no response.';
comment on column questions.evidence is 'How the response was recognised: quote | mention | adjacency (next message, ≤ 30 min); null if none.';

comment on column covered_days.chat_id is 'The chat (chats.chat_id).';
comment on column covered_days.day is 'Local date between the first and last message of some import of the chat.';

comment on column conversation_days.chat_id is 'The chat (chats.chat_id).';
comment on column conversation_days.gap_minutes is 'Silence, in minutes, that starts a new conversation: 10, 30, 60 or 90.';
comment on column conversation_days.day is 'Local date the conversations started.';
comment on column conversation_days.conversations is 'Conversations started that day.';
comment on column conversation_days.two_speakers is 'Of those, conversations with two or more distinct speakers.';
comment on column conversation_days.two_organic_speakers is 'Of those, conversations with two or more distinct organic speakers (customers, experts).';
comment on column conversation_days.staff_started is 'Of those, conversations whose first message was by staff.';
comment on column conversation_days.staff_started_replied is 'Of the staff-started ones, those in which a customer or expert spoke.';

comment on column chat_age_days.chat_id is 'The chat (chats.chat_id).';
comment on column chat_age_days.day is 'Covered local date, on or after the group''s birth day.';
comment on column chat_age_days.age_day is 'Group age in days: day minus the birth day (view chat_births), 0 = birth day.';
comment on column chat_age_days.birth_seen is 'True when the export shows the group''s birth; false = it starts later, cold start not visible.';
comment on column chat_age_days.messages is 'Active messages that day.';
comment on column chat_age_days.organic_messages is 'Active messages that day by customers, experts and unknown senders.';
comment on column chat_age_days.organic_speakers is 'Distinct organic members who spoke that day.';
comment on column chat_age_days.staff_messages is 'Active messages that day by staff (owner, admin, staff).';
comment on column chat_age_days.members is 'Members in the chat at some time that day.';
comment on column chat_age_days.window_organic_speakers is 'Distinct organic speakers in the 7 days starting that day.';
comment on column chat_age_days.window_messages is 'Active messages in the 7 days starting that day.';
comment on column chat_age_days.window_organic_messages is 'Organic active messages (as organic_messages) in the 7 days starting that day.';
comment on column chat_age_days.window_end_members is 'Members on the 7th covered day from this one (the window''s end); null when the export ends sooner.';
comment on column chat_age_days.window_complete is 'True when the export covers up to 6 days after this day, so the 7-day window is whole.';

comment on column chat_cold_start.chat_id is 'The chat (chats.chat_id).';
comment on column chat_cold_start.born_at is 'The group''s birth (view chat_births): its creation, else the first message exported.';
comment on column chat_cold_start.birth_seen is 'True when the export shows the birth; false = cold start cannot be seen.';
comment on column chat_cold_start.status is 'ended | not_yet (the rule never held) | not_visible (the export starts after the birth).';
comment on column chat_cold_start.end_day is 'Local date cold start ended: first of two 7-day windows in a row meeting the rule; null unless ended.';
comment on column chat_cold_start.end_age_day is 'Group age in days on end_day; null unless ended.';
comment on column chat_cold_start.changepoint_day is 'First PELT changepoint into ≥ 5 organic messages a day on a day the rule holds; null if none.';
comment on column chat_cold_start.confirmed is 'True when changepoint_day lies within 7 days of end_day.';

comment on column alt_evidence.chat_id is 'The chat (chats.chat_id).';
comment on column alt_evidence.member_id is 'The account X measured (members.member_id): a sender who is not staff or a bot.';
comment on column alt_evidence.reference_id is 'The reference O (members.member_id): an owner, admin or staff member who spoke in the chat.';
comment on column alt_evidence.messages is 'X''s active messages in the chat.';
comment on column alt_evidence.first_at is 'Instant of X''s first active message.';
comment on column alt_evidence.last_at is 'Instant of X''s last active message.';
comment on column alt_evidence.joined_at is 'X''s first join of the chat; null when no join was seen.';
comment on column alt_evidence.inviter_id is 'Who brought X in at that join (members.member_id); null when unknown.';
comment on column alt_evidence.pre_share is 'Share 0–1 of X''s active messages sent before cold-start end + 14 days; null if cold start never ended.';
comment on column alt_evidence.period_messages is 'Active messages by anyone from X''s first to X''s last message.';
comment on column alt_evidence.period_reference_messages is 'O''s active messages in that period.';
comment on column alt_evidence.period_own_messages is 'X''s active messages in that period (the same as messages).';
comment on column alt_evidence.right_after_reference is 'X''s messages sent right after a message of O, within 120 seconds.';
comment on column alt_evidence.near_reference is 'X''s messages with a message of O within 30 minutes before or after.';
comment on column alt_evidence.bursts is 'X''s messages opening a 60-second window holding at least two X and two O messages.';
comment on column alt_evidence.clock_cosine is 'Cosine similarity 0–1 of X''s and O''s message counts over the 168 local hours of the week.';
comment on column alt_evidence.reply_edges is 'X''s reply edges to anyone: quotes, @mentions, else the message just before within 10 minutes.';
comment on column alt_evidence.edges_to_reference is 'Of X''s reply edges, those pointing at O.';
comment on column alt_evidence.addressed_by_organic is 'Reply edges from organic members (customers, experts) pointing at X.';
comment on column alt_evidence.median_chars is 'Median characters of X''s text messages; null when X sent none.';
comment on column alt_evidence.chat_median_chars is 'Median characters of the chat''s text messages (known senders).';
comment on column alt_evidence.affirmation_share is 'Share 0–1 of X''s text messages that are short affirmations (≤ 6 characters: 好的, 收到, 报名, +1 …).';
comment on column alt_evidence.solitaire_lists is '接龙 lists of the chat with a line by X.';
comment on column alt_evidence.solitaire_first is 'Of those, lists where X''s line is number 1.';
comment on column alt_evidence.fast_claims is 'X''s claims of O''s red packets within 10 seconds of the packet.';

comment on column topic_words.term is 'A word (as terms.term holds it) that names the topic.';
comment on column topic_words.topic is 'Topic key from topics.toml, e.g. product, price, stock, parenting, expert_floral.';
comment on column topic_words.domain is 'Expert domain tag of the topic (育儿, 花艺, 瑜伽, 烘焙, 绘画); null for shop topics.';

comment on column own_words.word is 'The owner''s word: 2 to 20 letters, digits or CJK characters.';
comment on column own_words.kind is 'word (always cut whole) | stopword (never counted).';
comment on column own_words.added_at is 'When the owner added it (or last changed its kind).';

comment on column topic_days.chat_id is 'The chat (chats.chat_id).';
comment on column topic_days.day is 'Local date.';
comment on column topic_days.topic is 'Topic key (topic_words.topic).';
comment on column topic_days.member_class is 'Sender''s class: staff | bot | alt | expert | customer (unknown senders count as customer).';
comment on column topic_days.messages is 'Text and quote messages naming the topic (one of its words among their terms).';

comment on column member_topics.chat_id is 'The chat (chats.chat_id).';
comment on column member_topics.member_id is 'The sender (members.member_id).';
comment on column member_topics.topic is 'Topic key (topic_words.topic).';
comment on column member_topics.messages is 'The member''s text and quote messages naming the topic.';

comment on column reply_edges.chat_id is 'The chat (chats.chat_id).';
comment on column reply_edges.week is 'Monday (local date) of the ISO week.';
comment on column reply_edges.source_id is 'Who replied (members.member_id).';
comment on column reply_edges.target_id is 'Who was answered (members.member_id).';
comment on column reply_edges.source_class is 'Replier''s class: staff | bot | alt | expert | customer.';
comment on column reply_edges.target_class is 'Class of the one answered: staff | bot | alt | expert | customer.';
comment on column reply_edges.strong is 'Messages that quote the target''s message or @mention the target.';
comment on column reply_edges.weak is 'Messages that quote and mention no one and follow the target''s within 10 minutes.';

comment on column member_profiles.chat_id is 'The chat (chats.chat_id).';
comment on column member_profiles.member_id is 'The member (members.member_id).';
comment on column member_profiles.name is 'The name the member used last in this chat (chat_members.name).';
comment on column member_profiles.member_class is 'staff | bot | alt | expert | customer, from declared roles (view member_classes).';
comment on column member_profiles.declared_roles is 'Declared or platform-stated roles in this chat (chat_members.roles); null when none.';
comment on column member_profiles.inferred_roles is 'Roles read from behaviour: any of owner, staff, expert, newcomer, lurker, regular.';
comment on column member_profiles.inferred_domain is 'Expert domain tag (育儿, 花艺 …) of an inferred expert; null otherwise.';
comment on column member_profiles.evidence is 'Criteria behind the inferred roles, e.g. expert.answers, lurker.never_spoke, regular.orbit.';
comment on column member_profiles.expert_criteria is 'Expert (answer-person) criteria met, 0–5.';
comment on column member_profiles.staff_criteria is 'Staff-pattern criteria met, 0–4.';
comment on column member_profiles.n_active is 'Active messages in the chat.';
comment on column member_profiles.text_messages is 'Text and quote messages in the chat.';
comment on column member_profiles.questions_asked is 'Questions asked (rollup questions).';
comment on column member_profiles.answers_given is 'Questions of others whose first response was theirs.';
comment on column member_profiles.askers_answered is 'Distinct askers they gave a first response to.';
comment on column member_profiles.low_activity_askers is 'Of those askers, the ones active on fewer days than the chat''s median speaker.';
comment on column member_profiles.others_conversations is 'Conversations (30-minute gap) started by someone else in which they spoke.';
comment on column member_profiles.short_in_others is 'Of those, conversations where they sent only 1 or 2 messages.';
comment on column member_profiles.domain_share is 'Share 0–1 of their text messages naming their main expert domain''s topic; null when none.';
comment on column member_profiles.shop_vocab_share is 'Product, price and stock topic messages ÷ text messages (once per topic, may exceed 1); null if no text.';
comment on column member_profiles.business_hours_share is 'Share 0–1 of their active messages sent 09:00–20:59 local time; null when none.';
comment on column member_profiles.links is 'Link and mini-program card messages they posted.';
comment on column member_profiles.replies_received is 'Reply edges (strong and weak) from organic members pointing at them.';
comment on column member_profiles.orbit_level is 'leading | contributing | participating | exploring (chat_members.orbit_level).';
comment on column member_profiles.entered_on is 'Local date they entered the chat (chat_members.entered_on); null when unknown.';
comment on column member_profiles.last_spoke is 'Local date of their last active message; null = never spoke.';
comment on column member_profiles.recency_days is 'Days from last_spoke to the chat''s last covered day; null = never spoke.';
comment on column member_profiles.active_days_28 is 'Days with an active message in the 28 days up to the chat''s last covered day.';
comment on column member_profiles.r_score is 'Recency quintile 1–5 among the chat''s speakers, 5 = most recent; null = never spoke.';
comment on column member_profiles.f_score is 'Frequency quintile 1–5 of active_days_28 among the chat''s speakers, 5 = most; null = never spoke.';
comment on column member_profiles.m_value is 'Contribution value: answers_given + replies_received.';
comment on column member_profiles.rfm_segment is 'champion | loyal | promising | at_risk | hibernating | needs_attention; null = never spoke.';
comment on column member_profiles.reach is 'Weighted degree in the reply network (quote/@ 10, adjacency 1, −10% a month); 0 without ties.';
comment on column member_profiles.organic_in_degree is 'Distinct organic members (customers, experts) who replied to them.';
comment on column member_profiles.pagerank is 'Weighted PageRank in the directed reply network (a reply passes rank to the one answered); null if no ties.';
comment on column member_profiles.betweenness is 'Betweenness centrality 0–1 in the undirected reply network (heavier ties shorter); null if no ties.';
comment on column member_profiles.clustering is 'Local clustering coefficient 0–1 in the undirected reply network; null if no ties.';

comment on column diversity_weeks.chat_id is 'The chat (chats.chat_id).';
comment on column diversity_weeks.week is 'Monday (local date) of the ISO week.';
comment on column diversity_weeks.dimension is 'topics (organic text messages per topic) | speakers (organic messages per speaker) | roles.';
comment on column diversity_weeks.messages is 'Messages counted that week (topics: once per topic named; roles: all speakers but bots).';
comment on column diversity_weeks.q0 is 'Hill q0, richness: topics, speakers or roles present that week.';
comment on column diversity_weeks.q1 is 'Hill q1 = exp(Shannon entropy in nats): the effective number of categories.';
comment on column diversity_weeks.q2 is 'Hill q2 = 1 / Σp²: the effective number of dominant categories.';
comment on column diversity_weeks.n_star is 'Messages each rarefied draw takes (min(200, the chat''s smallest week ≥ 30)); null = too few to rarefy.';
comment on column diversity_weeks.q0_rarefied is 'Mean q0 over 200 draws of n_star messages; null when n_star is.';
comment on column diversity_weeks.q1_rarefied is 'Mean q1 over 200 draws of n_star messages; null when n_star is.';
comment on column diversity_weeks.q2_rarefied is 'Mean q2 over 200 draws of n_star messages; null when n_star is.';

comment on column chat_events.chat_id is 'The chat (chats.chat_id) where the event was announced.';
comment on column chat_events.detect_id is 'Stable id of the found event: a hash of the chat and the event''s local date.';
comment on column chat_events.start_at is 'When the event starts, read from the messages (10:00 local when no hour is given).';
comment on column chat_events.title is 'Short event name from the 接龙 list title or the announcement (at most 40 characters).';
comment on column chat_events.announce_msg_id is 'The first message (messages.msg_id) announcing the event.';
comment on column chat_events.announced_at is 'When that first announcement was sent (instant).';
comment on column chat_events.reminders is 'Later messages naming the same event day (not counting 接龙 lists).';
comment on column chat_events.solitaire_id is 'The 接龙 sign-up list (solitaires.solitaire_id) for the event; null when none.';
comment on column chat_events.mentions is 'Every message (messages.msg_id) naming the event: announcement, reminders and list.';
comment on column chat_events.texts is 'The texts of those messages, one per line (where the shop''s name is looked for).';

comment on column event_decisions.detect_id is 'The event found in the chat (chat_events.detect_id).';
comment on column event_decisions.decision is 'The owner''s answer: confirmed | dismissed.';
comment on column event_decisions.event_id is 'The store event created on confirmation (store_events.event_id, chat-<detect_id>); null if dismissed.';
comment on column event_decisions.decided_at is 'When the owner answered.';

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

comment on column store_days.store_id is 'The shop (stores.store_id); null for orders with no shop.';
comment on column store_days.day is 'Local date.';
comment on column store_days.member_visit_days is 'Distinct customers with a membership who bought something that day.';
comment on column store_days.walk_in_orders is 'Orders that day without a membership (visits.customer_id null).';
comment on column store_days.revenue is 'Total amount of all orders that day.';

comment on column checkin_messages.chat_id is 'The chat (chats.chat_id).';
comment on column checkin_messages.msg_id is 'The message (messages.msg_id).';
comment on column checkin_messages.member_id is 'Who said they are at the shop (members.member_id).';
comment on column checkin_messages.ts is 'When the message was sent (instant).';
comment on column checkin_messages.text is 'The message text (到店了, 我在店里 …).';

comment on column event_announcements.event_id is 'The store event (store_events.event_id).';
comment on column event_announcements.chat_id is 'The chat (chats.chat_id) that announced it.';
comment on column event_announcements.detect_id is 'The event found in the chat (chat_events.detect_id) that announces it.';
comment on column event_announcements.announce_msg_id is 'The first announcing message (messages.msg_id), from chat_events.';
comment on column event_announcements.announced_at is 'When the chat first announced it (instant), from chat_events.';
comment on column event_announcements.reminders is 'Later reminder messages in the chat, from chat_events.';
comment on column event_announcements.solitaire_id is 'The 接龙 sign-up list (solitaires.solitaire_id); null when none.';

comment on column invitation_tree.chat_id is 'The chat (chats.chat_id).';
comment on column invitation_tree.member_id is 'The member (members.member_id).';
comment on column invitation_tree.inviter_id is 'Who invited them or shared the QR code, at their latest join; null for a root.';
comment on column invitation_tree.method is 'How they joined last: invite | qr | link | creator | request | unknown; null when no join was seen.';
comment on column invitation_tree.joined_at is 'When they joined last (instant); null when no join was seen.';
comment on column invitation_tree.generation is '0 for a root, else the inviter''s generation + 1; null inside a loop of re-joins.';
comment on column invitation_tree.root_id is 'The root (members.member_id) of the tree they belong to; null inside a loop of re-joins.';
comment on column invitation_tree.name is 'The member''s name in the chat (chat_members.name).';
comment on column invitation_tree.member_class is 'The member''s class: staff | bot | alt | expert | customer.';
comment on column invitation_tree.is_organic is 'True when the member is a customer or expert.';
comment on column invitation_tree.inviter_name is 'The inviter''s name in the chat; null for a root.';
comment on column invitation_tree.inviter_class is 'The inviter''s class: staff | bot | alt | expert | customer; null for a root.';
comment on column invitation_tree.inviter_organic is 'True when the inviter is a customer or expert; null for a root.';
comment on column invitation_tree.spoke_7 is 'First spoke by 7 days after the join day; null when the join is unknown and they spoke.';
comment on column invitation_tree.active_7 is 'Spoke on or after the 7th day after joining; null when the join is unknown or the export ends sooner.';
comment on column invitation_tree.active_30 is 'Spoke on or after the 30th day after joining; null when the join is unknown or the export ends sooner.';
comment on column invitation_tree.left_chat is 'True when they left or were removed after their last join.';
comment on column invitation_tree.removed is 'True when that exit was a removal.';

comment on column red_packet_amounts.packet_id is 'The red packet (red_packets.packet_id).';
comment on column red_packet_amounts.amount is 'The packet''s total amount, as the owner entered it (yuan).';
comment on column red_packet_amounts.entered_at is 'When the owner entered it.';

comment on column join_regimes.chat_id is 'The chat (chats.chat_id).';
comment on column join_regimes.start_on is 'First local date the threshold applied.';
comment on column join_regimes.end_on is 'Last local date it applied (inclusive); null = still in force.';
comment on column join_regimes.threshold is 'free | invite_only | paid | purchase | question.';
comment on column join_regimes.detail is 'The owner''s words on it (e.g. the amount or purchase needed); null when none.';
comment on column join_regimes.entered_at is 'When the owner entered or imported the period.';

comment on column rule_hits.chat_id is 'The chat (chats.chat_id).';
comment on column rule_hits.rule_id is 'Id of the matching rule in the rule set in use (rules.toml, or the owner''s in meta rules_toml).';
comment on column rule_hits.msg_id is 'The matching message (messages.msg_id); for an invites rule, the join notice.';
comment on column rule_hits.member_id is 'Who sent it (members.member_id); for an invites rule, the inviter.';
comment on column rule_hits.ts is 'When the message was sent (instant).';
comment on column rule_hits.detail is 'What matched: text or link found, minutes after joining, flood count, local time, or the newcomer''s name.';
comment on column rule_hits.kind is 'The message''s kind (messages.kind).';
comment on column rule_hits.text is 'The message''s text (messages.text).';
comment on column rule_hits.sender_name is 'The sender''s name as the export shows it (messages.sender_name).';

comment on column red_packet_windows.packet_id is 'The red packet (red_packets.packet_id).';
comment on column red_packet_windows.chat_id is 'The chat (chats.chat_id).';
comment on column red_packet_windows.k is '0 = the packet''s own hour; 1…4 = the same hour 7·k days before; −1…−4 = 7·|k| days after.';
comment on column red_packet_windows.w0 is 'Start of the window: the packet''s time minus 7·k days (instant).';
comment on column red_packet_windows.msgs_60 is 'Organic active messages in [w0, w0 + 60 min).';
comment on column red_packet_windows.speakers_60 is 'Distinct organic speakers in [w0, w0 + 60 min).';
comment on column red_packet_windows.thanks_60 is 'Of msgs_60, thanks: stickers, or texts ≤ 15 characters with 谢谢, 红包, 发财 and the like.';
comment on column red_packet_windows.substantive_60 is 'Of msgs_60, the rest: msgs_60 minus thanks_60.';
comment on column red_packet_windows.new_voices_60 is 'Speakers in the hour with no active message in the chat in the 28 days before w0.';
comment on column red_packet_windows.msgs_pre_60 is 'Organic active messages in the hour before, [w0 − 60 min, w0).';
comment on column red_packet_windows.msgs_24 is 'Organic active messages in the day after, [w0 + 60 min, w0 + 24 h).';
comment on column red_packet_windows.usable is 'Always true for k = 0; a control: its day is covered, no packet or event announcement within 60 min.';
comment on column red_packet_windows.usable_24 is 'True when no red packet falls in [w0 + 60 min, w0 + 24 h).';

comment on column red_packet_weeks.chat_id is 'The chat (chats.chat_id), one that had a red packet.';
comment on column red_packet_weeks.week is 'Monday (local date) of the ISO week.';
comment on column red_packet_weeks.speakers is 'Distinct organic speakers that week.';
comment on column red_packet_weeks.speakers_only_after_packet is 'Of those, speakers whose every active message came within 60 minutes after a red packet.';
comment on column red_packet_weeks.share_only_after_packet is 'speakers_only_after_packet ÷ speakers, 0–1.';
comment on column red_packet_weeks.share_msgs_after_packet is 'Share 0–1 of the week''s organic active messages sent within 60 minutes after a red packet.';
comment on column red_packet_weeks.packets is 'Red packets sent in the chat that week.';

comment on column staff_notices.chat_id is 'The chat (chats.chat_id).';
comment on column staff_notices.msg_id is 'The message (messages.msg_id), a text by the owner or staff.';
comment on column staff_notices.ts is 'When it was sent (instant).';
comment on column staff_notices.text is 'The message text.';
comment on column staff_notices.kind is 'referral (a reward for inviting people) | rule (a group rule stated).';
comment on column staff_notices.threshold is 'For referral: how many people to invite for the reward; null for rule or when not found.';

comment on column red_packet_lifts.packet_id is 'The red packet (red_packets.packet_id).';
comment on column red_packet_lifts.chat_id is 'The chat (chats.chat_id).';
comment on column red_packet_lifts.n_controls is 'Usable control hours compared with: earlier weeks, else later ones (0 = none).';
comment on column red_packet_lifts.later_controls is 'True when the controls are later weeks (no usable earlier week); null with no controls.';
comment on column red_packet_lifts.exp_msgs_60 is 'Expected msgs_60: its mean over the control hours; null with no controls.';
comment on column red_packet_lifts.exp_speakers_60 is 'Expected speakers_60: its mean over the control hours; null with no controls.';
comment on column red_packet_lifts.exp_thanks_60 is 'Expected thanks_60: its mean over the control hours; null with no controls.';
comment on column red_packet_lifts.exp_substantive_60 is 'Expected substantive_60: its mean over the control hours; null with no controls.';
comment on column red_packet_lifts.exp_new_voices_60 is 'Expected new_voices_60: its mean over the control hours; null with no controls.';
comment on column red_packet_lifts.exp_msgs_pre_60 is 'Expected msgs_pre_60: its mean over the control hours; null with no controls.';
comment on column red_packet_lifts.exp_msgs_24 is 'Expected msgs_24: its mean over the controls whose day after is usable; null if none.';
comment on column red_packet_lifts.lift_msgs is 'Organic messages in the hour after the packet minus expected (msgs_60 − exp_msgs_60); null with no controls.';
comment on column red_packet_lifts.lift_msgs_lo is 'Lower end of the 95% interval of lift_msgs (parametric bootstrap).';
comment on column red_packet_lifts.lift_msgs_hi is 'Upper end of the 95% interval of lift_msgs (parametric bootstrap).';
comment on column red_packet_lifts.lift_speakers is 'Organic speakers in the hour after minus expected (speakers_60 − exp_speakers_60); null with no controls.';
comment on column red_packet_lifts.lift_speakers_lo is 'Lower end of the 95% interval of lift_speakers (parametric bootstrap).';
comment on column red_packet_lifts.lift_speakers_hi is 'Upper end of the 95% interval of lift_speakers (parametric bootstrap).';
comment on column red_packet_lifts.lift_substantive is 'Substantive messages (all but thanks) in the hour after minus expected; null with no controls.';
comment on column red_packet_lifts.lift_new_voices is 'New voices in the hour after minus expected; null with no controls.';
comment on column red_packet_lifts.lift_msgs_24 is 'Messages in the day after minus expected; null when another packet falls in it or no control day is usable.';
comment on column red_packet_lifts.pre_state is 'The hour before vs its expectation: quiet (< 0.67×) | usual | busy (> 1.5×); null with no controls.';

-- Three table comments of 001 listed values the code never writes, or missed ones it does.
comment on table roles is 'Roles held (owner, admin, staff, expert, alt, bot, customer); chat_id null = every chat. source: declared | system (inferred roles live in member_profiles).';
comment on table membership_events is 'Joins, exits and other notices from system messages. kind: join | leave | remove | create | rename | pin | icon | description | settings | other. method: invite | qr | link | creator | request | unknown.';
comment on table member_customers is 'Link chat member <-> store customer. method: declared | phone | name_match | visit_after_message.';
