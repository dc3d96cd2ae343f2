-- 单位明细: one row per registered unit of a campaign, with what its current submission contributes (its current
-- version, shown, and the supplements added to it).
create or replace view marts.unit_totals as
select
    u.campaign_id,
    u.unit_code,
    u.unit_name,
    u.unit_type,
    u.district_code,
    u.district_name,
    u.expected,
    s.status as submission_status,
    s.received_at,
    s.file_path,
{% for m in measures %}
    coalesce(sum(a.{{ m.row_column }}), 0)::{{ m.total_type }} as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
from core.units as u
left join core.submissions as s
    on s.campaign_id = u.campaign_id and s.unit_code = u.unit_code and s.is_current and s.role = 'version'
left join marts.activities as a on a.campaign_id = u.campaign_id and a.unit_code = u.unit_code
group by all;
