-- audit.submission_changes: each time what a unit counts changed — a new version replaced the version before it
-- and that version's supplements, or a supplement added to its version — each total that changed, from what to
-- what. A unit's countable files in version order; what it counts once a file is in is that file's version and
-- the version's supplements up to it (counted rows, joint copies included, a supplement's repeats not).
delete from audit.submission_changes where campaign_id = (select campaign_id from _campaign);

insert into audit.submission_changes by name
with countable as (
    select s.campaign_id, s.unit_code, s.file_sha256, s.version, s.role,
           coalesce(s.supplements, s.file_sha256) as base_sha256
    from core.submissions as s
    join _campaign as k on k.campaign_id = s.campaign_id
    where s.unit_code is not null and s.status in {{ counted_statuses }}
),
file_totals as (
    select
        a.file_sha256,
        a.unit_code,
{% for m in measures %}
        sum(coalesce(a.{{ m.row_column }}, 0)) as {{ m.key }}{{ "," if not loop.last }}
{% endfor %}
    from core.activities as a
    join countable as c on c.file_sha256 = a.file_sha256 and c.unit_code = a.unit_code
    where a.campaign_id = (select campaign_id from _campaign) and a.counted
      and a.activity_id not in (select activity_id from _supplement_repeats)
    group by a.file_sha256, a.unit_code
),
states as (
    select
        c.*,
{% for m in measures %}
        sum(coalesce(t.{{ m.key }}, 0)) over (partition by c.unit_code, c.base_sha256 order by c.version
                                              rows between unbounded preceding and current row) as {{ m.key }},
{% endfor %}
        lag(c.file_sha256) over (partition by c.unit_code order by c.version) as previous_file,
        lag(c.base_sha256) over (partition by c.unit_code order by c.version) as previous_base
    from countable as c
    left join file_totals as t on t.file_sha256 = c.file_sha256 and t.unit_code = c.unit_code
),
changed as (
    select
        c.*,
        b.version as previous_version,
{% for m in measures %}
        p.{{ m.key }} as previous_{{ m.key }}{{ "," if not loop.last }}
{% endfor %}
    from states as c
    join states as p on p.file_sha256 = c.previous_file and p.unit_code = c.unit_code
    join countable as b on b.file_sha256 = c.previous_base and b.unit_code = c.unit_code
)
{% for m in measures %}
select campaign_id, unit_code, file_sha256, version, role, previous_base as previous_sha256, previous_version,
       '{{ m.key }}' as measure,
       previous_{{ m.key }}::decimal(18, 2) as previous_value,
       {{ m.key }}::decimal(18, 2) as current_value,
       ({{ m.key }} - previous_{{ m.key }})::decimal(18, 2) as change
from changed
where {{ m.key }} <> previous_{{ m.key }}
{{ "union all" if not loop.last }}
{% endfor %};
