-- 分类型: one row per activity form of a campaign (未分项 for summary-only units).
create or replace view marts.type_totals as
select
    campaign_id,
    activity_type,
{% for m in measures %}
    coalesce(sum({{ m.row_column }}), 0)::{{ m.total_type }} as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
from marts.activities
group by all;
