-- 已发布的数字: one row per campaign, level (city, district, unit, type), code and measure — every figure the
-- published state shows, in one long table: what `kepu sign` keeps as an edition (audit.edition_figures) and what
-- marts.changes_since_signed compares with it. A unit's completeness is units_reported / units_on_time (1 or 0,
-- expected units only).
{% set counts = ["units_expected", "units_reported", "units_on_time"] %}
{% set keys = counts + (measures | map(attribute="key") | list) %}
create or replace view marts.published_figures as
with city as (
    select campaign_id, 'city' as level, campaign_id as code, '全市' as name,
{% for k in keys %}
        {{ k }}::decimal(18, 2) as {{ k }}{{ "," if not loop.last }}
{% endfor %}
    from marts.city_totals
),
districts as (
    select campaign_id, 'district' as level, district_code as code, district_name as name,
{% for k in keys %}
        {{ k }}::decimal(18, 2) as {{ k }}{{ "," if not loop.last }}
{% endfor %}
    from marts.district_totals
),
units as (
    select ut.campaign_id, 'unit' as level, ut.unit_code as code, ut.unit_name as name,
        null::decimal(18, 2) as units_expected,
        (case when c.status in ('on_time', 'late') then 1 when c.status is not null then 0 end)::decimal(18, 2)
            as units_reported,
        (case when c.status = 'on_time' then 1 when c.status is not null then 0 end)::decimal(18, 2) as units_on_time,
{% for m in measures %}
        ut.{{ m.key }}::decimal(18, 2) as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
    from marts.unit_totals as ut
    left join marts.completeness as c on c.campaign_id = ut.campaign_id and c.unit_code = ut.unit_code
),
types as (
    select campaign_id, 'type' as level, activity_type as code, activity_type as name,
        null::decimal(18, 2) as units_expected, null::decimal(18, 2) as units_reported,
        null::decimal(18, 2) as units_on_time,
{% for m in measures %}
        {{ m.key }}::decimal(18, 2) as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
    from marts.type_totals
),
wide as (
    select * from city union all select * from districts union all select * from units union all select * from types
)
select campaign_id, level, code, name, measure, value
from (unpivot wide on {{ keys | join(", ") }} into name measure value value);
