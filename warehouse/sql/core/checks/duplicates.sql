-- SPEC §3.7: two counted rows of one unit's counted files (within one file or across them) with the same start
-- date, the same name and venue as compared (transforms.dedup keys) and the same figures: probably one row
-- pasted twice. Both still count; each later copy is warned, cited at its name cell, naming the first. A row
-- already counted once (a 补报's repeat, a joint copy: duplicate_of) is not asked about again.
{% import "core/checks/_macros.sql" as m %}
with candidates as (
    select
        a.activity_id, a.file_sha256, a.unit_code, a.source_file, a.source_sheet, a.source_row, a.source_cell,
        a.activity_name, a.start_date, s.received_at, n.key as name_key, coalesce(v.key, '') as venue_key,
{% for f in metrics %}
        coalesce(a.{{ f.key }}, 0) as {{ f.key }},
{% endfor %}
    from {{ m.counted_rows() }}
    join _event_name_keys as n on n.text = a.activity_name
    left join _venue_keys as v on v.text = a.venue
    where a.counted and a.duplicate_of is null and not a.is_unitemized and a.unit_code is not null and n.key <> ''
),
ranked as (
    select *,
           row_number() over copies as copy_no,
           first_value(activity_id) over copies as first_id
    from candidates
    window copies as (partition by unit_code, start_date, name_key, venue_key
{%- for f in metrics %}, {{ f.key }}{% endfor %}

                      order by received_at, file_sha256, source_sheet, source_row)
)
select c.file_sha256 as sha256,
       {{ issue("duplicate_row", sheet="c.source_sheet", cell="c.source_cell", row="c.source_row",
                raw="c.activity_name",
                other="case when o.file_sha256 = c.file_sha256 and o.source_sheet = c.source_sheet "
                      "then '第' || o.source_row || '行' "
                      "else '已报送的“' || o.source_file || '”' || o.source_sheet || '第' || o.source_row || '行' end") }}
from ranked as c
join ranked as o on o.activity_id = c.first_id
where c.copy_no > 1
