-- title: Alt-account evidence
-- grain: one row per (chat_id, member_id, reference_id): every account that is not staff or a bot and sent an active message, against the owner and each staff member of the chat (declared, the exporting account, or inferred)
-- params: $chat_ids varchar[]
-- description: The measurements behind the alt-account evidence score (docs/metrics.md §3.4); the
--   thresholds and the score are applied by core/analytics/alt_accounts.py. Per account X and
--   reference O (owner or staff): (1) when X joined and who invited X; (2) the share of X's active
--   messages sent before the chat's cold-start end plus 14 days (rollup chat_cold_start as measured
--   with the declared classes, before any inference: cold_start_end_day); (3)
--   turn-taking: inside X's active period (first to last message), how often X spoke right after O
--   within 120 s, against how often O and X speak there at all; (4) the share of X's messages with an
--   O message within ±30 minutes, and bursts: X messages opening a 60-second window that holds at
--   least two X and two O messages (two people talking at once, which one person on two phones
--   rarely does); (5) cosine similarity of their hour-of-week profiles (168 bins); (6) X's reply
--   edges (quotes, @mentions, and the message X answered directly within 10 minutes) and the
--   number pointing at O, and how often organic members address X; (7) X's median text length
--   against the chat's, the share of short affirmations (好的, 收到, 报名, +1, 已下单, 想要, 已拍 …), and
--   how many 接龙 lists X signed and signed first; (8) O's red packets X claimed within 10 seconds.
--   Every window is found from sorted positions and as-of joins, never by joining each message to
--   its neighbours, so a chat's refresh grows with its messages, not their square.
with classes as (
    select * from member_classes where list_contains($chat_ids, chat_id)
),
active as (
    select m.chat_id, m.msg_id, m.member_id, m.ts, m.kind, m.text, m.n_chars, m.reply_to_msg_id, m.mentions,
        coalesce(c.member_class, 'customer') as member_class,
        lag(m.member_id) over w as prev_member, lag(m.ts) over w as prev_ts,
        row_number() over w as seq
    from messages m
    left join classes c on c.chat_id = m.chat_id and c.member_id = m.member_id
    -- "= any" rather than list_contains: it lets DuckDB skip other chats' row groups of messages
    where m.chat_id = any($chat_ids) and m.kind not in ('system', 'recall') and m.member_id is not null
    window w as (partition by m.chat_id order by m.ts, m.msg_id)
),
-- the owner and staff: declared (or the exporting account), or inferred from behaviour (rollup
-- member_profiles: the group's creator, the staff patterns), so a shop with no members.csv is
-- scored against its own people too
inferred_staff as (
    select chat_id, member_id from member_profiles
    where list_contains($chat_ids, chat_id) and list_has_any(inferred_roles, ['owner', 'staff'])
),
refs as (
    select distinct a.chat_id, a.member_id as reference_id
    from active a left join inferred_staff i using (chat_id, member_id)
    where a.member_class = 'staff' or i.member_id is not null
),
accounts as (
    select a.chat_id, a.member_id, count(*) as messages, min(a.ts) as first_at, max(a.ts) as last_at
    from active a anti join refs r on r.chat_id = a.chat_id and r.reference_id = a.member_id
    where a.member_class not in ('staff', 'bot')
    group by all
),
pairs as (
    select a.*, r.reference_id from accounts a join refs r using (chat_id)
),
joins as (
    select chat_id, member_id, min(ts) as joined_at, arg_min_null(actor_member_id, ts) as inviter_id
    from membership_events
    where kind = 'join' and list_contains($chat_ids, chat_id)
    group by all
),
pre as (
    select d.chat_id, d.member_id,
        coalesce(sum(d.active_messages) filter (where d.day < e.end_day + 14), 0) / sum(d.active_messages) as pre_share
    from daily_member_activity d join chat_cold_start e using (chat_id)
    where list_contains($chat_ids, d.chat_id) and d.member_id is not null and d.active_messages > 0
      and e.end_day is not null
    group by all
),
-- positions: a chat's messages at one instant span seq first_seq..last_seq
chat_instants as (
    select chat_id, ts, min(seq) as first_seq, max(seq) as last_seq from active group by all
),
-- O's messages per instant, how many O sent up to it, and O's next instant
ref_instants as (
    select chat_id, reference_id, ts, n,
        sum(n) over (partition by chat_id, reference_id order by ts) as upto,
        lead(ts) over (partition by chat_id, reference_id order by ts) as next_ts
    from (
        select a.chat_id, a.member_id as reference_id, a.ts, count(*) as n
        from active a join refs r on r.chat_id = a.chat_id and r.reference_id = a.member_id
        group by all
    )
),
turns as (
    select p.chat_id, p.member_id, p.reference_id,
        l.last_seq - f.first_seq + 1 as period_messages,
        coalesce(hi.upto, 0) - coalesce(lo.upto, 0) as period_reference_messages
    from pairs p
    join chat_instants f on f.chat_id = p.chat_id and f.ts = p.first_at
    join chat_instants l on l.chat_id = p.chat_id and l.ts = p.last_at
    asof left join ref_instants hi on hi.chat_id = p.chat_id and hi.reference_id = p.reference_id and p.last_at >= hi.ts
    asof left join ref_instants lo on lo.chat_id = p.chat_id and lo.reference_id = p.reference_id and p.first_at > lo.ts
),
right_after as (
    select chat_id, member_id, prev_member as reference_id, count(*) as right_after_reference
    from active
    where prev_member <> member_id and ts - prev_ts <= interval 120 seconds
    group by all
),
own_messages as (
    -- another X message in [ts, ts + 60 s]: the next one in order, or one at the same instant before it
    select chat_id, member_id, ts,
        coalesce(lead(ts) over w <= ts + interval 60 seconds or lag(ts) over w = ts, false) as own_burst
    from active a where a.member_class not in ('staff', 'bot')
      and not exists (select 1 from refs r where r.chat_id = a.chat_id and r.reference_id = a.member_id)
    window w as (partition by chat_id, member_id order by ts, msg_id)
),
around as (
    -- each X message against each reference: O's last instant at or before it and first at or after it
    select x.chat_id, x.member_id, r.reference_id, x.ts, x.own_burst,
        b.ts as before_ts, a.ts as after_ts, a.n as after_n, a.next_ts as after_next_ts
    from own_messages x
    join refs r using (chat_id)
    asof left join ref_instants b on b.chat_id = x.chat_id and b.reference_id = r.reference_id and x.ts >= b.ts
    asof left join ref_instants a on a.chat_id = x.chat_id and a.reference_id = r.reference_id and x.ts <= a.ts
),
near as (
    select chat_id, member_id, reference_id,
        count(*) filter (where x_ts - before_ts <= interval 30 minutes or after_ts - x_ts <= interval 30 minutes)
            as near_reference,
        count(*) filter (where own_burst and after_ts <= x_ts + interval 60 seconds
                           and (after_n >= 2 or after_next_ts <= x_ts + interval 60 seconds)) as bursts
    from (select *, ts as x_ts from around)
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
      and m.ts - m.prev_ts <= interval 10 minutes
),
edge_pairs as (
    select chat_id, source_id, source_class, target_id, count(*) as n
    from edges where target_id is not null and target_id <> source_id
    group by all
),
sent as (
    select chat_id, source_id as member_id, sum(n) as reply_edges from edge_pairs group by all
),
addressed as (
    select chat_id, target_id as member_id, sum(n) as addressed_by_organic
    from edge_pairs where source_class in ('customer', 'expert') group by all
),
to_reference as (
    select chat_id, source_id as member_id, target_id as reference_id, sum(n) as edges_to_reference
    from edge_pairs group by all
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
    from solitaires s join solitaire_entries e using (solitaire_id)
    where e.member_id is not null and list_contains($chat_ids, s.chat_id) group by all
),
claims as (
    select c.chat_id, c.claimer_member_id as member_id, p.sender_member_id as reference_id, count(*) as fast_claims
    from red_packet_claims c
    join red_packets p on p.packet_id = c.packet_id
    where c.ts <= p.ts + interval 10 seconds and list_contains($chat_ids, c.chat_id)
    group by all
),
final as (
    select p.chat_id, p.member_id, p.reference_id, p.messages, p.first_at, p.last_at,
        j.joined_at, j.inviter_id, ce.end_day as cold_start_end_day, pr.pre_share,
        t.period_messages, t.period_reference_messages, p.messages as period_own_messages,
        coalesce(ra.right_after_reference, 0) as right_after_reference,
        coalesce(n.near_reference, 0) as near_reference, coalesce(n.bursts, 0) as bursts,
        coalesce(cs.clock_cosine, 0) as clock_cosine,
        coalesce(se.reply_edges, 0) as reply_edges, coalesce(tr.edges_to_reference, 0) as edges_to_reference,
        coalesce(ad.addressed_by_organic, 0) as addressed_by_organic,
        tx.median_chars, ct.chat_median_chars, coalesce(tx.affirmation_share, 0) as affirmation_share,
        coalesce(l.solitaire_lists, 0) as solitaire_lists, coalesce(l.solitaire_first, 0) as solitaire_first,
        coalesce(cl.fast_claims, 0) as fast_claims
    from pairs p
    join turns t on t.chat_id = p.chat_id and t.member_id = p.member_id and t.reference_id = p.reference_id
    left join joins j on j.chat_id = p.chat_id and j.member_id = p.member_id
    left join pre pr on pr.chat_id = p.chat_id and pr.member_id = p.member_id
    left join (select chat_id, end_day from chat_cold_start where list_contains($chat_ids, chat_id)) ce
        on ce.chat_id = p.chat_id
    left join right_after ra on ra.chat_id = p.chat_id and ra.member_id = p.member_id and ra.reference_id = p.reference_id
    left join near n on n.chat_id = p.chat_id and n.member_id = p.member_id and n.reference_id = p.reference_id
    left join cosine cs on cs.chat_id = p.chat_id and cs.member_id = p.member_id and cs.reference_id = p.reference_id
    left join sent se on se.chat_id = p.chat_id and se.member_id = p.member_id
    left join to_reference tr on tr.chat_id = p.chat_id and tr.member_id = p.member_id and tr.reference_id = p.reference_id
    left join addressed ad on ad.chat_id = p.chat_id and ad.member_id = p.member_id
    left join texts tx on tx.chat_id = p.chat_id and tx.member_id = p.member_id
    left join chat_texts ct on ct.chat_id = p.chat_id
    left join lists l on l.chat_id = p.chat_id and l.member_id = p.member_id
    left join claims cl on cl.chat_id = p.chat_id and cl.member_id = p.member_id and cl.reference_id = p.reference_id
)
select * from final
