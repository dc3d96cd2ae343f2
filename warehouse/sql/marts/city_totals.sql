-- 全市汇总: one row per campaign. units_reported counts expected units whose current submission is
-- accepted or partial; units_on_time those of them received by the deadline. Units not expected still
-- count in the sums.
create or replace view marts.city_totals as
select
    k.campaign_id,
    coalesce(sum(d.units_expected), 0)::bigint as units_expected,
    coalesce(sum(d.units_reported), 0)::bigint as units_reported,
    coalesce(sum(d.units_on_time), 0)::bigint as units_on_time,
{% for m in measures %}
    coalesce(sum(d.{{ m.key }}), 0)::{{ m.total_type }} as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
from core.campaigns as k
left join marts.district_totals as d on d.campaign_id = k.campaign_id
group by k.campaign_id;
