-- SPEC §3.7: a value far outside the distribution of its activity form — robust z-score on log(1 + x) beyond
-- rules.OUTLIER_Z (median and MAD of the form's counted rows of current versions, at least
-- rules.OUTLIER_MIN_ROWS of them) and also rules.OUTLIER_FACTOR times above or below the form's median.
with counted as (
    select a.*
    from core.activities as a
    join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256 and s.is_current
    join _campaign as k on k.campaign_id = a.campaign_id
    where a.counted and not a.is_unitemized
),
figures as (
{% for field in rules.OUTLIER_FIELDS %}
    select activity_id, file_sha256, source_sheet, source_row, activity_type, '{{ field }}' as field,
           {{ field }}::double as value, ln(1 + {{ field }}::double) as log_value
    from counted
    where {{ field }} > 0
{{ "    union all" if not loop.last }}
{% endfor %}
),
centre as (
    select activity_type, field, median(value) as median, median(log_value) as log_median
    from figures
    group by activity_type, field
    having count(*) >= {{ rules.OUTLIER_MIN_ROWS }}
),
spread as (
    select f.activity_type, f.field, median(abs(f.log_value - c.log_median)) as mad
    from figures as f
    join centre as c on c.activity_type = f.activity_type and c.field = f.field
    group by f.activity_type, f.field
),
far as (
    select f.*, c.median
    from figures as f
    join centre as c on c.activity_type = f.activity_type and c.field = f.field
    join spread as s on s.activity_type = f.activity_type and s.field = f.field
    where s.mad > 0
      and abs(0.6745 * (f.log_value - c.log_median) / s.mad) > {{ rules.OUTLIER_Z }}
      and (f.value / c.median >= {{ rules.OUTLIER_FACTOR }} or f.value / c.median <= 1.0 / {{ rules.OUTLIER_FACTOR }})
)
{% set cell_of %}case f.field{% for field in rules.OUTLIER_FIELDS %} when '{{ field }}' then r.{{ field }}_cell{% endfor %} end{% endset %}
{% set noun_of %}case f.field{% for field in rules.OUTLIER_FIELDS %} when '{{ field }}' then '{{ measure[field].noun }}'{% endfor %} end{% endset %}
select f.file_sha256 as sha256,
       {{ issue("outlier_value", sheet="f.source_sheet", cell=cell_of, row="f.source_row", raw="f.value::bigint",
                label=noun_of, activity_type="f.activity_type",
                direction="case when f.value > f.median then '远高于' else '远低于' end",
                median="format('{:g}', f.median)") }}
from far as f
join raw.activity_rows as r
    on r.campaign_id = (select campaign_id from _campaign) and r.sha256 = f.file_sha256
    and r.source_sheet = f.source_sheet and r.source_row = f.source_row
