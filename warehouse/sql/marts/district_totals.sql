-- 分区县: one row per district of a campaign (city-level units under the city's own code).
create or replace view marts.district_totals as
select
    ut.campaign_id,
    ut.district_code,
    ut.district_name,
    count(*) filter (where ut.expected) as units_expected,
    count(*) filter (where ut.expected and ut.submission_status is not null) as units_reported,
    count(*) filter (where ut.expected and ut.submission_status is not null
                     and cast(ut.received_at as date) <= k.deadline) as units_on_time,
{% for m in measures %}
    sum(ut.{{ m.key }})::{{ m.total_type }} as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
from marts.unit_totals as ut
join core.campaigns as k on k.campaign_id = ut.campaign_id
group by all;
