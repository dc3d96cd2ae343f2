-- 同比: each campaign's city totals beside those of the campaign before it in this warehouse (by start
-- date), one row per campaign and measure.
create or replace view marts.year_over_year as
with ordered as (
    select t.*, k.start_date,
           lag(t.campaign_id) over (order by k.start_date) as previous_campaign_id
    from marts.city_totals as t
    join core.campaigns as k using (campaign_id)
),
measures as (
    unpivot (select campaign_id, previous_campaign_id,
{% for m in measures %}
                    {{ m.key }}::decimal(18, 2) as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
             from ordered)
    on {{ measures | map(attribute="key") | join(", ") }}
    into name measure value current_value
)
select
    m.campaign_id,
    m.previous_campaign_id,
    m.measure,
    m.current_value,
    p.current_value as previous_value,
    (m.current_value - p.current_value)::decimal(18, 2) as change,
    case when p.current_value > 0
         then round((m.current_value - p.current_value)::double / p.current_value::double, 4) end
        as change_ratio
from measures as m
left join measures as p on p.campaign_id = m.previous_campaign_id and p.measure = m.measure;
