-- title: Members with their declared and inferred roles
-- grain: one row per (chat_id, member_id)
-- params: $chat_ids varchar[] = null, $role varchar = null, $limit integer = null
-- description: Rollup member_profiles for the chosen chats, with the chat's name and each member's
--   declared domain (members.csv or the page): the roles declared, the roles inferred from behaviour
--   with their evidence (docs/metrics.md §4.1), the figures the evidence rests on, the chat RFM scores
--   and reply-network centrality. $role keeps members who hold that role, declared or inferred;
--   $limit keeps the first rows (by chat, then messages), every row when null.
with declared_domain as (
    select member_id, chat_id, max(domain) as declared_domain
    from roles
    where role = 'expert' and domain is not null and source in ('declared', 'system')
    group by all
)
select p.*, c.name as chat_name,
    coalesce(dc.declared_domain, dg.declared_domain) as declared_domain
from member_profiles p
join chats c using (chat_id)
left join declared_domain dc on dc.member_id = p.member_id and dc.chat_id = p.chat_id
left join declared_domain dg on dg.member_id = p.member_id and dg.chat_id is null
where ($chat_ids is null or list_contains($chat_ids, p.chat_id))
  and ($role is null or list_contains(p.inferred_roles, $role) or list_contains(p.declared_roles, $role)
       or p.member_class = $role)
order by c.name, p.n_active desc, p.name
limit $limit
