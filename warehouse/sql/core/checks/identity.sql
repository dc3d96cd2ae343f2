-- SPEC §3.1: a readable file whose code cell and 填报单位 name two different units (cited at the code cell),
-- a readable file no unit could be found for (cited at its 填报单位), and a code the registry does not know on
-- a file identified otherwise.
select f.sha256,
       {{ issue("unit_conflict", sheet="f.declared_code_sheet", cell="f.declared_code_cell", raw="f.declared_code",
                code_value="f.declared_code", code_unit="cu.unit_name", name_value="f.declared_name",
                name_unit="nu.unit_name") }}
from _files as f
left join _units as cu on cu.unit_code = f.code_unit
left join _units as nu on nu.unit_code = f.name_unit
where f.readable and f.resolution = 'conflict'
union all by name
select f.sha256,
       {{ issue("unit_unidentified", sheet="f.declared_name_sheet", cell="f.declared_name_cell",
                raw="f.declared_name") }}
from _files as f
where f.readable and f.resolution = 'unidentified'
union all by name
select f.sha256,
       {{ issue("unit_code_unknown", sheet="f.declared_code_sheet", cell="f.declared_code_cell",
                raw="f.unknown_code", unit_name="u.unit_name") }}
from _files as f
join _units as u on u.unit_code = f.unit_code
where f.readable and f.resolution = 'identified' and f.unknown_code is not null
