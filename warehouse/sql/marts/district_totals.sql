-- 分区县: one row per district of a campaign (city-level units under the city's own code). Which units
-- reported, and on time, is marts.completeness's verdict.
create or replace view marts.district_totals as
select
    ut.campaign_id,
    ut.district_code,
    ut.district_name,
    count(*) filter (where ut.expected) as units_expected,
    count(*) filter (where c.status in ('on_time', 'late')) as units_reported,
    count(*) filter (where c.status = 'on_time') as units_on_time,
{% for m in measures %}
    sum(ut.{{ m.key }})::{{ m.total_type }} as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
from marts.unit_totals as ut
left join marts.completeness as c on c.campaign_id = ut.campaign_id and c.unit_code = ut.unit_code
group by all;
