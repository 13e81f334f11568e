-- title: Experts of each chat
-- grain: one row per (chat_id, member_id) of a declared or inferred expert
-- description: The experts of a chat (docs/metrics.md §4.1): declared (members.csv, the page) or
--   inferred from behaviour (rollup member_profiles), with their domain, the declared one first.
select p.chat_id, p.member_id, p.name, p.member_class = 'expert' as declared,
    coalesce(d.domain, p.inferred_domain) as domain, p.answers_given, p.n_active
from member_profiles p
left join (
    select member_id, chat_id, max(domain) as domain from roles
    where role = 'expert' and source in ('declared', 'system') group by all
) d on d.member_id = p.member_id and (d.chat_id = p.chat_id or d.chat_id is null)
where p.member_class = 'expert' or list_contains(p.inferred_roles, 'expert')
