-- SPEC §3.5: exactly two units report the same day, venue and name (as compared) without naming each other —
-- perhaps one event, perhaps two. Both count; one warning, on the later-received row, names the other so the
-- office can decide (§3.9). A label shared by three or more units that day is generic (every town's
-- 「科普知识讲座」 at its own 「村委会」) and raises nothing; two rows matched as one event raise nothing either.
with labels as (
    select start_date, venue_key, name_key
    from _joint_rows
    group by start_date, venue_key, name_key
    having count(distinct unit_code) = 2
),
members as (
    select j.*
    from _joint_rows as j
    join labels as l on l.start_date = j.start_date and l.venue_key = j.venue_key and l.name_key = j.name_key
),
merged as (
    select distinct a.start_date, a.venue_key, a.name_key
    from _joint_matches as m
    join members as a on a.activity_id = m.row_id
    join members as b on b.activity_id = m.other_id
    where a.start_date = b.start_date and a.venue_key = b.venue_key and a.name_key = b.name_key
),
ranked as (
    select
        m.*,
        row_number() over (partition by m.start_date, m.venue_key, m.name_key
                           order by m.received_at desc, m.activity_id desc) as newest_first
    from members as m
    anti join merged as x on x.start_date = m.start_date and x.venue_key = m.venue_key and x.name_key = m.name_key
),
later as (
    select * from ranked where newest_first = 1
),
earlier as (
    select
        l.activity_id as later_id,
        o.*,
        row_number() over (partition by l.activity_id order by o.received_at, o.activity_id) as oldest_first
    from later as l
    join members as o
        on o.start_date = l.start_date and o.venue_key = l.venue_key and o.name_key = l.name_key
        and o.unit_code <> l.unit_code
)
select l.file_sha256 as sha256,
       {{ issue("possible_joint_activity", sheet="l.source_sheet", cell="l.source_cell", row="l.source_row",
                raw="l.activity_name", other_unit="u.unit_name",
                other_place="e.source_file || ' ' || e.source_sheet || coalesce('!' || e.source_cell, '')") }}
from later as l
join earlier as e on e.later_id = l.activity_id and e.oldest_first = 1
join _units as u on u.unit_code = e.unit_code
