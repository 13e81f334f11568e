-- title: Invitation trees and their structural virality
-- grain: one row per invitation tree of two members or more
-- params: $chat_ids varchar[] = null
-- description: Each tree of a chat's invitation tree (docs/metrics.md §6.1): its root, size, depth and
--   structural virality, the mean distance between all pairs of its members (Goel et al. 2016):
--   about 2 when one member invited everyone, larger for long chains. In a tree the distances
--   add up edge by edge: an edge above a subtree of s members of n lies on s·(n − s) paths, so
--   the mean is Σ s·(n − s) / (n·(n − 1)/2), with s each invitee's subtree_size.
with edges as (
    select chat_id, root_id, generation, subtree_size
    from invitation_tree
    where inviter_id is not null and root_id is not null
      and ($chat_ids is null or list_contains($chat_ids, chat_id))
),
trees as (
    select chat_id, root_id, count(*) + 1 as size, max(generation) as depth,
        sum(subtree_size) as sum_s, sum(subtree_size::bigint * subtree_size) as sum_s2
    from edges
    group by all
)
select t.chat_id, c.name as chat_name, t.root_id, r.name as root_name, t.size, t.depth,
    (t.size * t.sum_s - t.sum_s2) / (t.size * (t.size - 1) / 2) as structural_virality
from trees t
join chats c using (chat_id)
left join chat_members r on r.chat_id = t.chat_id and r.member_id = t.root_id
order by t.chat_id, t.size desc, t.root_id
