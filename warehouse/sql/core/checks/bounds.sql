-- SPEC §3.7: a figure beyond its plausibility bound (schemas/bounds.toml: per measure and activity form),
-- whatever the distribution says, cited at its cell. 经费 in a 万元 column is judged by units.sql (beyond its
-- bound it was probably typed in 元); here only where the file's header said 元 and it was converted.
{% import "core/checks/_macros.sql" as m %}
with rows as (
    select a.*{% for f in metrics %}, r.{{ f.key }}_cell{% endfor %}

    from {{ m.counted_rows() }}
    where a.counted and not a.is_unitemized
),
in_yuan as ({{ m.files_in_yuan() }})
{% for f in metrics %}
select file_sha256 as sha256,
       {{ issue("bound_exceeded", sheet="source_sheet", cell=f.key ~ "_cell", row="source_row",
                raw=m.shown(f.key, f.key), label="'" ~ f.noun ~ "'", activity_type="activity_type",
                bound="format('{:g}', " ~ m.bound("activity_type", f.key) ~ ")" ~ (" || '万元'" if measure[f.key].money else "")) }}
from rows
where {{ f.key }} > {{ m.bound("activity_type", f.key) }}
{% if measure[f.key].money %}
  and file_sha256 in (select sha256 from in_yuan)
{% endif %}
{{ "union all by name" if not loop.last }}
{% endfor %}
