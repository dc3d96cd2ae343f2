-- SPEC §3.7: a value far above the distribution of its activity form — robust z-score on log(1 + x) beyond
-- rules.OUTLIER_Z (median and MAD of the form's counted rows of current versions) and also rules.OUTLIER_FACTOR
-- times the median. Far below is not warned: small events are normal (a 30-seat training among 3,000-visitor
-- fairs of the same form), and what reaches the province wrongly is a figure too large — an extra zero, 元 in
-- 万元; a figure that cannot be (participants equal to the 序号) is impossible.sql's.
-- A form with fewer than rules.OUTLIER_MIN_ROWS rows in the city is not skipped: its rows are compared with the
-- city-wide distribution of the measure (every form), must also be OUTLIER_FACTOR times the typical level of
-- the busiest form with rows enough (a district's launch is bigger than a lecture, not odd), and where the unit
-- reported that measure in the previous campaign, OUTLIER_FACTOR times its own median there (a unit that always
-- holds large fairs is not odd for holding one again). A value already beyond its plausibility bound
-- (bounds.sql) or 经费 probably typed in 元 (units.sql) is warned there, not here.
{% import "core/checks/_macros.sql" as m %}
with counted as (
    select a.*
    from core.activities as a
    join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256 and s.is_current
        and s.unit_code is not distinct from a.unit_code
    join _campaign as k on k.campaign_id = a.campaign_id
    where a.counted and not a.is_unitemized
),
figures as (
{% for field in rules.OUTLIER_FIELDS %}
    select activity_id, file_sha256, unit_code, source_sheet, source_row, activity_type, '{{ field }}' as field,
           {{ field }}::double as value, ln(1 + {{ field }}::double) as log_value,
           {{ field }}::double <= {{ m.bound("activity_type", field) }}
{% if field == "funding_wan" %}
           and not ({{ field }} >= {{ bounds.whole_yuan_from }} and {{ field }} = trunc({{ field }}))
{% endif %}
               as plausible
    from counted
    where {{ field }} > 0
{{ "    union all" if not loop.last }}
{% endfor %}
),
form_size as (
    select activity_type, field, count(*) as n from figures group by activity_type, field
),
by_form as (
    select activity_type, field, median(value) as median, median(log_value) as log_median
    from figures
    group by activity_type, field
    having count(*) >= {{ rules.OUTLIER_MIN_ROWS }}
),
by_measure as (
    select field, median(value) as median, median(log_value) as log_median
    from figures
    group by field
    having count(*) >= {{ rules.OUTLIER_MIN_ROWS }}
),
form_spread as (
    select f.activity_type, f.field, median(abs(f.log_value - c.log_median)) as mad
    from figures as f
    join by_form as c on c.activity_type = f.activity_type and c.field = f.field
    group by f.activity_type, f.field
),
busiest as (  -- the highest typical level of a form with rows enough: a figure of a form with few must be far above it
    select field, max(median) as median from by_form group by field
),
measure_spread as (
    select f.field, median(abs(f.log_value - c.log_median)) as mad
    from figures as f
    join by_measure as c on c.field = f.field
    group by f.field
),
previous as (  -- each unit's own median of the measure in the campaign before this one
    select p.unit_code, x.field, median(x.value) as median
    from core.activities as p
    join core.submissions as ps on ps.campaign_id = p.campaign_id and ps.file_sha256 = p.file_sha256 and ps.is_current
        and ps.unit_code is not distinct from p.unit_code
    join _campaign as k on p.campaign_id = k.previous_campaign_id
    cross join lateral (
{% for field in rules.OUTLIER_FIELDS %}
        select '{{ field }}' as field, p.{{ field }}::double as value
{{ "        union all" if not loop.last }}
{% endfor %}
    ) as x
    where p.counted and not p.is_unitemized and p.duplicate_of is null and x.value > 0
    group by p.unit_code, x.field
),
reference as (  -- the distribution each figure is judged against
    select f.*, c.median, c.log_median, sp.mad, '同类活动（' || f.activity_type || '）' as reference,
           c.median as level, null::double as previous_median
    from figures as f
    join by_form as c on c.activity_type = f.activity_type and c.field = f.field
    join form_spread as sp on sp.activity_type = f.activity_type and sp.field = f.field
    union all
    select f.*, c.median, c.log_median, sp.mad, '全市各类活动（' || f.activity_type || '类仅' || z.n || '项）',
           greatest(c.median, coalesce(b.median, c.median)) as level, p.median as previous_median
    from figures as f
    join form_size as z on z.activity_type = f.activity_type and z.field = f.field
    join by_measure as c on c.field = f.field
    left join busiest as b on b.field = f.field
    join measure_spread as sp on sp.field = f.field
    left join previous as p on p.unit_code = f.unit_code and p.field = f.field
    where z.n < {{ rules.OUTLIER_MIN_ROWS }}
),
far as (
    select *
    from reference
    where plausible
      and mad > 0
      and 0.6745 * (log_value - log_median) / mad > {{ rules.OUTLIER_Z }}
      and value / level >= {{ rules.OUTLIER_FACTOR }}
      and (previous_median is null or value / previous_median >= {{ rules.OUTLIER_FACTOR }})
)
{% set cell_of %}case f.field{% for field in rules.OUTLIER_FIELDS %} when '{{ field }}' then r.{{ field }}_cell{% endfor %} end{% endset %}
{% set noun_of %}case f.field{% for field in rules.OUTLIER_FIELDS %} when '{{ field }}' then '{{ measure[field].noun }}'{% endfor %} end{% endset %}
select f.file_sha256 as sha256,
       {{ issue("outlier_value", sheet="f.source_sheet", cell=cell_of, row="f.source_row",
                raw="case when f.field = 'funding_wan' then cast(cast(f.value as decimal(14, 2)) as varchar) "
                    "else cast(cast(f.value as bigint) as varchar) end",
                label=noun_of, reference="f.reference",
                direction="case when f.value > f.median then '远高于' else '远低于' end",
                median="format('{:g}', f.median)",
                also="case when f.previous_median is not null "
                     "then format('，也与本单位上一届（中位数{:g}）相差{}倍以上', f.previous_median, "
                     ~ rules.OUTLIER_FACTOR ~ ") else '' end") }}
from far as f
join raw.activity_rows as r
    on r.campaign_id = (select campaign_id from _campaign) and r.sha256 = f.file_sha256
    and r.source_sheet = f.source_sheet and r.source_row = f.source_row
