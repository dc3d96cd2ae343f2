-- Joint activities (SPEC §3.5), 3: one round of deciding, in priority order, which matched rows are kept and
-- which are copies. A row is decided once every matched row of higher priority is: it is a copy of the
-- highest-priority kept row it matches, or kept when it matches none. So a copy always points at a kept row
-- directly, never through another copy: in a chain A–B–C where B is a copy of A, C stays counted (C and A have
-- no evidence between them). build_core runs rounds until every matched row is decided; there are as many as
-- the longest chain, not as many as rows.
insert into _joint_kept
with undecided as (
    select p.activity_id, p.priority
    from _joint_priority as p
    anti join _joint_kept as d on d.activity_id = p.activity_id
),
waiting as (
    select distinct u.activity_id
    from undecided as u
    join _joint_matches as m on m.row_id = u.activity_id
    join undecided as o on o.activity_id = m.other_id and o.priority < u.priority
),
ready as (
    select u.* from undecided as u anti join waiting as w on w.activity_id = u.activity_id
),
kept_neighbours as (
    select r.activity_id, arg_min(d.activity_id, p.priority) as kept_id
    from ready as r
    join _joint_matches as m on m.row_id = r.activity_id
    join _joint_kept as d on d.activity_id = m.other_id and d.kept_id = d.activity_id
    join _joint_priority as p on p.activity_id = d.activity_id
    group by r.activity_id
)
select r.activity_id, coalesce(n.kept_id, r.activity_id) as kept_id
from ready as r
left join kept_neighbours as n on n.activity_id = r.activity_id;
