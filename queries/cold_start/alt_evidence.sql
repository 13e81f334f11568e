-- title: Alt-account evidence
-- grain: one row per (chat_id, member_id, reference_id): every account that is not staff or a bot and sent an active message, against the owner and each staff member of the chat
-- params: $chat_ids varchar[] = null, $turn_seconds integer = 120, $near_minutes integer = 30, $burst_seconds integer = 60, $reply_minutes integer = 10, $claim_seconds integer = 10
-- description: The measurements behind the alt-account evidence score (metrics.md §3.4); the
--   thresholds and the score are applied by core/analytics/alt_accounts.py. Per account X and
--   reference O (owner or staff): (1) when X joined and who invited X, and whether that was the
--   group's founding batch; (2) X's active messages per day (the share before the end of cold start
--   needs that end); (3) turn-taking: inside X's active period, how often X spoke right after O
--   within $turn_seconds, against how often X speaks at all; (4) the share of X's messages with an
--   O message within ±$near_minutes, and bursts where X and O each posted twice within
--   $burst_seconds (two people talking at once, which one person on two phones rarely does);
--   (5) cosine similarity of their hour-of-week profiles (168 bins); (6) X's reply edges (quotes,
--   @mentions, and the message X answered directly within $reply_minutes) and the share pointing at O,
--   and how often organic members address X; (7) X's median text length against the chat's, the
--   share of short affirmations (好的, 收到, 报名, +1, 已下单, 想要, 已拍 …), and how many 接龙 lists X
--   signed first; (8) a linked store customer, visits, and O's red packets X claimed within
--   $claim_seconds.
with scoped as (
    select chat_id from chats where $chat_ids is null or list_contains($chat_ids, chat_id)
),
active as (
    select m.chat_id, m.msg_id, m.member_id, m.ts, m.kind, m.text, m.n_chars, m.reply_to_msg_id, m.mentions,
        coalesce(c.member_class, 'customer') as member_class,
        lag(m.member_id) over w as prev_member, lag(m.ts) over w as prev_ts
    from messages m
    join scoped s using (chat_id)
    left join member_classes c on c.chat_id = m.chat_id and c.member_id = m.member_id
    where m.kind not in ('system', 'recall') and m.member_id is not null
    window w as (partition by m.chat_id order by m.ts, m.msg_id)
),
refs as (
    select distinct chat_id, member_id as reference_id from active where member_class = 'staff'
),
accounts as (
    select chat_id, member_id, count(*) as messages, min(ts) as first_at, max(ts) as last_at
    from active where member_class not in ('staff', 'bot')
    group by all
),
pairs as (
    select a.*, r.reference_id from accounts a join refs r using (chat_id)
),
joins as (
    select e.chat_id, e.member_id, min(e.ts) as joined_at, arg_min(e.actor_member_id, e.ts) as inviter_id
    from membership_events e join scoped s using (chat_id)
    where e.kind = 'join' group by all
),
days as (
    select chat_id, member_id, list({'day': day, 'messages': active_messages} order by day) as active_days
    from daily_member_activity join scoped using (chat_id)
    where member_id is not null and active_messages > 0
    group by all
),
turns as (
    -- inside X's active period: all messages, O's messages, X's, and X's right after O
    select p.chat_id, p.member_id, p.reference_id, count(*) as period_messages,
        count(*) filter (where m.member_id = p.reference_id) as period_reference_messages,
        count(*) filter (where m.member_id = p.member_id) as period_own_messages,
        count(*) filter (where m.member_id = p.member_id and m.prev_member = p.reference_id
                           and m.ts - m.prev_ts <= to_seconds($turn_seconds::bigint)) as right_after_reference
    from pairs p join active m on m.chat_id = p.chat_id and m.ts between p.first_at and p.last_at
    group by all
),
near as (
    select x.chat_id, x.member_id, o.member_id as reference_id, count(distinct x.msg_id) as near_reference
    from active x
    join active o on o.chat_id = x.chat_id and o.ts between x.ts - to_minutes($near_minutes::bigint)
                                                       and x.ts + to_minutes($near_minutes::bigint)
    join refs r on r.chat_id = o.chat_id and r.reference_id = o.member_id
    where x.member_class not in ('staff', 'bot')
    group by all
),
bursts as (
    -- windows opened by an X message holding at least two X and two O messages
    select x.chat_id, x.member_id, r.reference_id, count(*) as bursts
    from active x
    join refs r on r.chat_id = x.chat_id
    join lateral (
        select count(*) filter (where y.member_id = x.member_id) as own,
            count(*) filter (where y.member_id = r.reference_id) as theirs
        from active y
        where y.chat_id = x.chat_id and y.ts >= x.ts and y.ts <= x.ts + to_seconds($burst_seconds::bigint)
    ) w on w.own >= 2 and w.theirs >= 2
    where x.member_class not in ('staff', 'bot')
    group by all
),
clock as (
    select chat_id, member_id, isodow(ts) * 24 + hour(ts) as bin, count(*)::double as n
    from active group by all
),
norms as (
    select chat_id, member_id, sqrt(sum(n * n)) as norm from clock group by all
),
cosine as (
    select p.chat_id, p.member_id, p.reference_id,
        sum(x.n * o.n) / (any_value(nx.norm) * any_value(no.norm)) as clock_cosine
    from pairs p
    join clock x on x.chat_id = p.chat_id and x.member_id = p.member_id
    join clock o on o.chat_id = p.chat_id and o.member_id = p.reference_id and o.bin = x.bin
    join norms nx on nx.chat_id = p.chat_id and nx.member_id = p.member_id
    join norms no on no.chat_id = p.chat_id and no.member_id = p.reference_id
    group by all
),
edges as (
    -- who each message answers: the quoted author, the @mentioned, else the one just before it
    select m.chat_id, m.member_id as source_id, m.member_class as source_class, t.member_id as target_id
    from active m join active t on t.chat_id = m.chat_id and t.msg_id = m.reply_to_msg_id
    union all
    select m.chat_id, m.member_id, m.member_class, unnest(m.mentions) from active m where len(m.mentions) > 0
    union all
    select m.chat_id, m.member_id, m.member_class, m.prev_member from active m
    where m.reply_to_msg_id is null and coalesce(len(m.mentions), 0) = 0 and m.prev_member <> m.member_id
      and m.ts - m.prev_ts <= to_minutes($reply_minutes::bigint)
),
edge_counts as (
    select p.chat_id, p.member_id, p.reference_id,
        count(*) filter (where e.source_id = p.member_id and e.target_id <> p.member_id) as reply_edges,
        count(*) filter (where e.source_id = p.member_id and e.target_id = p.reference_id) as edges_to_reference,
        count(*) filter (where e.target_id = p.member_id and e.source_id <> p.member_id
                           and e.source_class in ('customer', 'expert')) as addressed_by_organic
    from pairs p left join edges e on e.chat_id = p.chat_id and (e.source_id = p.member_id or e.target_id = p.member_id)
    group by all
),
texts as (
    select chat_id, member_id, median(n_chars) as median_chars,
        avg(case when n_chars <= 6 and regexp_matches(text, '^(好的|好滴|好嘞|收到|报名|\+1|已下单|下单了|想要|已拍|拍了|我要|要一个|顶|支持|赞|谢谢)')
                 then 1.0 else 0.0 end) as affirmation_share
    from active where kind = 'text' group by all
),
chat_texts as (
    select chat_id, median(n_chars) as chat_median_chars from active where kind = 'text' group by all
),
lists as (
    select s.chat_id, e.member_id, count(distinct s.solitaire_id) as solitaire_lists,
        count(distinct s.solitaire_id) filter (where e.position = 1) as solitaire_first
    from solitaires s join scoped using (chat_id) join solitaire_entries e using (solitaire_id)
    where e.member_id is not null group by all
),
commerce as (
    select a.chat_id, a.member_id, count(distinct mc.customer_id) as linked_customers, count(v.visit_id) as visits
    from accounts a
    left join member_customers mc on mc.member_id = a.member_id
    left join visits v on v.customer_id = mc.customer_id
    group by all
),
claims as (
    select c.chat_id, c.claimer_member_id as member_id, p.sender_member_id as reference_id, count(*) as fast_claims
    from red_packet_claims c join scoped using (chat_id)
    join red_packets p on p.packet_id = c.packet_id
    where c.ts <= p.ts + to_seconds($claim_seconds::bigint)
    group by all
),
final as (
    select p.chat_id, ch.name as chat_name, p.member_id, coalesce(mn.name, p.member_id) as name, p.reference_id,
        coalesce(rn.name, p.reference_id) as reference_name, p.messages, p.first_at, p.last_at,
        j.joined_at, j.inviter_id, b.born_at, b.birth_seen,
        coalesce(b.birth_seen and j.joined_at = b.born_at, false) as founding_batch,
        d.active_days,
        t.period_messages, t.period_reference_messages, t.period_own_messages, t.right_after_reference,
        coalesce(n.near_reference, 0) as near_reference, coalesce(bu.bursts, 0) as bursts,
        coalesce(cs.clock_cosine, 0) as clock_cosine,
        ec.reply_edges, ec.edges_to_reference, ec.addressed_by_organic,
        tx.median_chars, ct.chat_median_chars, coalesce(tx.affirmation_share, 0) as affirmation_share,
        coalesce(l.solitaire_lists, 0) as solitaire_lists, coalesce(l.solitaire_first, 0) as solitaire_first,
        cm.linked_customers, cm.visits, coalesce(cl.fast_claims, 0) as fast_claims
    from pairs p
    join chats ch using (chat_id)
    join chat_births b using (chat_id)
    left join chat_members mn on mn.chat_id = p.chat_id and mn.member_id = p.member_id
    left join chat_members rn on rn.chat_id = p.chat_id and rn.member_id = p.reference_id
    left join joins j on j.chat_id = p.chat_id and j.member_id = p.member_id
    left join days d on d.chat_id = p.chat_id and d.member_id = p.member_id
    left join turns t on t.chat_id = p.chat_id and t.member_id = p.member_id and t.reference_id = p.reference_id
    left join near n on n.chat_id = p.chat_id and n.member_id = p.member_id and n.reference_id = p.reference_id
    left join bursts bu on bu.chat_id = p.chat_id and bu.member_id = p.member_id and bu.reference_id = p.reference_id
    left join cosine cs on cs.chat_id = p.chat_id and cs.member_id = p.member_id and cs.reference_id = p.reference_id
    left join edge_counts ec on ec.chat_id = p.chat_id and ec.member_id = p.member_id and ec.reference_id = p.reference_id
    left join texts tx on tx.chat_id = p.chat_id and tx.member_id = p.member_id
    left join chat_texts ct on ct.chat_id = p.chat_id
    left join lists l on l.chat_id = p.chat_id and l.member_id = p.member_id
    left join commerce cm on cm.chat_id = p.chat_id and cm.member_id = p.member_id
    left join claims cl on cl.chat_id = p.chat_id and cl.member_id = p.member_id and cl.reference_id = p.reference_id
)
select * from final order by chat_name, messages desc, member_id, reference_id
