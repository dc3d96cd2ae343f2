-- SPEC §3.13: a unit that sent both a sheet and a narrative report (总结) is counted from its sheet; each figure of
-- the 总结 (summed over its forms) that differs from the unit's counted sheet figures is a warning on the unit's
-- current sheet (its 回执 carries it; the 总结 counts for nothing and is no version), citing the 总结's paragraph.
with stated as (
    select file_sha256, unit_code, any_value(source_file) as source_file, min(source_row) as paragraph,
           sum(activity_count) as activities,
{% for m in metrics %}
           sum({{ m.key }}) as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
    from core.activities
    where campaign_id = (select campaign_id from _campaign) and from_text and not counted and unit_code is not null
    group by file_sha256, unit_code
),
sheet as (
    select a.unit_code, min(a.file_sha256) as sheet_sha256,
           sum(a.activity_count) as activities,
{% for m in metrics %}
           sum(a.{{ m.key }}) as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
    from core.activities as a
    join core.submissions as s
      on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256 and s.unit_code = a.unit_code
    where a.campaign_id = (select campaign_id from _campaign) and a.counted and not coalesce(a.from_text, false)
      and s.is_current and a.duplicate_of is null
    group by a.unit_code
)
{% for m in measures %}
{{ "union all by name" if not loop.first }}
select s.sheet_sha256 as sha256,
       {{ issue("text_differs_from_sheet", sheet="'正文'", cell="'第' || t.paragraph || '段'", raw="t." ~ m.key,
                text_file="t.source_file", label="'" ~ m.noun ~ "'", text_value="t." ~ m.key,
                sheet_value="coalesce(cast(s." ~ m.key ~ " as varchar), '0')") }}
from stated as t
join sheet as s on s.unit_code = t.unit_code
where t.{{ m.key }} is not null and t.{{ m.key }} <> coalesce(s.{{ m.key }}, 0)
{% endfor %}
