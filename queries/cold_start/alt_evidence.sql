-- title: Alt-account evidence
-- grain: one row per (chat_id, member_id, reference_id): every account that is not staff or a bot and sent an active message, against the owner and each staff member of the chat
-- params: $chat_ids varchar[] = null
-- description: The measurements behind the alt-account evidence score (docs/metrics.md §3.4), from the
--   alt_evidence rollup (see queries/rollups/alt_evidence.sql for each one), with the names, the
--   chat's birth (founding_batch: X joined in the group's founding batch) and the store records:
--   X's linked store customers and their visits. The thresholds and the score are applied by
--   core/analytics/alt_accounts.py.
with scoped as (
    select * from alt_evidence where $chat_ids is null or list_contains($chat_ids, chat_id)
),
commerce as (
    select mc.member_id, count(distinct mc.customer_id) as linked_customers, count(v.visit_id) as visits
    from member_customers mc left join visits v on v.customer_id = mc.customer_id
    where mc.member_id in (select member_id from scoped) and mc.status = 'confirmed'
    group by all
),
final as (
    select e.chat_id, ch.name as chat_name, e.member_id, coalesce(mn.name, e.member_id) as name, e.reference_id,
        coalesce(rn.name, e.reference_id) as reference_name, e.messages, e.first_at, e.last_at,
        e.joined_at, e.inviter_id, b.born_at, b.birth_seen,
        coalesce(b.birth_seen and e.joined_at = b.born_at, false) as founding_batch, e.pre_share,
        e.period_messages, e.period_reference_messages, e.period_own_messages, e.right_after_reference,
        e.near_reference, e.bursts, e.clock_cosine, e.reply_edges, e.edges_to_reference, e.addressed_by_organic,
        e.median_chars, e.chat_median_chars, e.affirmation_share, e.solitaire_lists, e.solitaire_first,
        coalesce(cm.linked_customers, 0) as linked_customers, coalesce(cm.visits, 0) as visits, e.fast_claims
    from scoped e
    join chats ch using (chat_id)
    left join chat_cold_start b using (chat_id)
    left join chat_members mn on mn.chat_id = e.chat_id and mn.member_id = e.member_id
    left join chat_members rn on rn.chat_id = e.chat_id and rn.member_id = e.reference_id
    left join commerce cm on cm.member_id = e.member_id
)
select * from final order by chat_name, messages desc, member_id, reference_id
