-- SPEC §3.7: a unit whose activities or participants changed by rules.YOY_RATIO or more against the campaign
-- before this one in the warehouse (marts.unit_totals of that campaign), on the unit's current file: its own version
-- where it has one (not a supplement or a forwarded table), always the same one — a `confirm` names it (SPEC §3.9).
with current_totals as (
    select
        s.unit_code,
        coalesce(min(s.file_sha256) filter (where s.role = 'version'), min(s.file_sha256)) as file_sha256,
        sum(a.activity_count) as activities,
        sum(coalesce(a.participants, 0)) as participants
    from core.activities as a
    join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256 and s.is_current
        and s.unit_code is not distinct from a.unit_code
    join _campaign as k on k.campaign_id = a.campaign_id
    where a.counted and a.duplicate_of is null
    group by s.unit_code
),
previous_totals as (
    select t.unit_code, t.activities, t.participants
    from marts.unit_totals as t
    join _campaign as k on t.campaign_id = k.previous_campaign_id
)
{% for field in rules.YOY_FIELDS %}
select c.file_sha256 as sha256,
       {{ issue("year_over_year_jump", raw="c." ~ field, label="'" ~ measure[field].label ~ "'",
                current="c." ~ field, previous="p." ~ field) }}
from current_totals as c
join previous_totals as p on p.unit_code = c.unit_code
where c.{{ field }} <> 0 and p.{{ field }} <> 0
  and (c.{{ field }} / p.{{ field }} >= {{ rules.YOY_RATIO }} or c.{{ field }} / p.{{ field }} <= 1.0 / {{ rules.YOY_RATIO }})
{{ "union all by name" if not loop.last }}
{% endfor %}
