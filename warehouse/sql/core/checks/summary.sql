-- SPEC §3.4: a file that fills only its 汇总表 (counted as one unitemized record); and where a file fills both,
-- each 汇总表 figure that differs from the sum of the detail rows that passed the row rules (the details count).
with details as (
    select
        file_sha256,
        bool_or(is_unitemized) as unitemized,
        count(*) filter (where row_status = 'ok') as activities,
{% for m in metrics %}
        sum({{ m.key }}) filter (where row_status = 'ok') as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
    from core.activities
    where campaign_id = (select campaign_id from _campaign)
    group by file_sha256
),
stated as (
    select s.*, d.unitemized,
{% for i in indicators %}
           d.{{ i.key }} as {{ i.key }}_computed{{ "," if not loop.last }}
{% endfor %}
    from raw.summary_figures as s
    join _campaign as k on k.campaign_id = s.campaign_id
    join details as d on d.file_sha256 = s.sha256
)
select sha256, {{ issue("summary_only", sheet="sheet") }}
from stated
where unitemized
{% for i in indicators %}
{% set money = measure[i.key].money %}
union all by name
select sha256,
       {{ issue("summary_mismatch", sheet="sheet", cell="list_extract(map_extract(cells, '" ~ i.key ~ "'), 1)",
                raw=i.key, label="'" ~ i.name ~ "'", reported=i.key,
                computed=("coalesce(cast(" ~ i.key ~ "_computed as varchar), '0')") if money
                         else ("coalesce(" ~ i.key ~ "_computed, 0)")) }}
from stated
where not unitemized and {{ i.key }} is not null and {{ i.key }} <> coalesce({{ i.key }}_computed, 0)
{% endfor %}
