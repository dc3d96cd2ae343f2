-- SPEC §3.5: each copy of a joint activity, on its own file, naming the kept copy and its unit.
select c.file_sha256 as sha256,
       {{ issue("joint_activity_duplicate", sheet="c.source_sheet", cell="c.source_cell", row="c.source_row",
                raw="c.activity_name", other_unit="u.unit_name", other_name="kept.activity_name",
                kept="'“' || u.unit_name || '”'") }}
from _joint_kept as k
join _joint_rows as c on c.activity_id = k.activity_id
join _joint_rows as kept on kept.activity_id = k.kept_id
join _units as u on u.unit_code = kept.unit_code
where k.kept_id <> k.activity_id
