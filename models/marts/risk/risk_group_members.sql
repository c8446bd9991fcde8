-- Members of every group in marts.risk_groups, with the identifier types by which each member is
-- linked to the others.
with components as (
    select * from {{ ref('int_risk__user_components') }}
),

evidence as (
    select
        component_id,
        anchor_user_id
    from {{ ref('int_risk__group_evidence') }}
),

member_links as (
    select
        edges.user_id,
        list_sort(list_distinct(list(edges.identifier_type))) as linked_by
    from {{ ref('int_risk__graph_edges') }} as edges
    group by edges.user_id
)

select
    'G-' || evidence.anchor_user_id as group_id,
    components.user_id,
    coalesce(member_links.linked_by, []) as linked_by,
    components.user_id = evidence.anchor_user_id as is_anchor
from components
inner join evidence on components.component_id = evidence.component_id
left join member_links on components.user_id = member_links.user_id
