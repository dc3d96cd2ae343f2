-- audit.submission_changes: for each unit whose current version replaced an earlier countable one, each total
-- that changed between the two, from what to what (counted rows of each file, joint copies included).
delete from audit.submission_changes where campaign_id = (select campaign_id from _campaign);

insert into audit.submission_changes by name
with countable as (
    select
        s.*,
        row_number() over (partition by s.unit_code order by s.version desc) as recency
    from core.submissions as s
    join _campaign as k on k.campaign_id = s.campaign_id
    where s.unit_code is not null and s.status in {{ counted_statuses }}
),
replaced as (
    select c.campaign_id, c.unit_code, c.file_sha256, c.version,
           p.file_sha256 as previous_sha256, p.version as previous_version
    from countable as c
    join countable as p on p.unit_code = c.unit_code and p.recency = 2
    where c.recency = 1 and c.is_current
),
totals as (
    select
        a.file_sha256,
{% for m in measures %}
        sum(coalesce(a.{{ m.row_column }}, 0))::decimal(18, 2) as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
    from core.activities as a
    join replaced as r on a.file_sha256 in (r.file_sha256, r.previous_sha256)
    where a.campaign_id = (select campaign_id from _campaign) and a.counted
    group by a.file_sha256
)
{% for m in measures %}
select r.*, '{{ m.key }}' as measure,
       coalesce(p.{{ m.key }}, 0) as previous_value,
       coalesce(c.{{ m.key }}, 0) as current_value,
       coalesce(c.{{ m.key }}, 0) - coalesce(p.{{ m.key }}, 0) as change
from replaced as r
left join totals as c on c.file_sha256 = r.file_sha256
left join totals as p on p.file_sha256 = r.previous_sha256
where coalesce(c.{{ m.key }}, 0) <> coalesce(p.{{ m.key }}, 0)
{{ "union all" if not loop.last }}
{% endfor %};
