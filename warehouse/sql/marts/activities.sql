-- 活动清单: every activity that reaches the totals — counted, from its unit's current submission, and not a
-- second copy of a joint activity — with its unit, district and the cell it came from.
create or replace view marts.activities as
select
    a.campaign_id,
    a.activity_id,
    a.unit_code,
    u.unit_name,
    u.unit_type,
    u.district_code,
    u.district_name,
    a.activity_name,
    a.activity_type,
    a.start_date,
    a.end_date,
    a.venue,
    a.organizer,
    a.partners,
    a.activity_count,
{% for m in metrics %}
    a.{{ m.key }},
{% endfor %}
    ({% for m in metrics %}a.{{ m.key }}_approx{{ " or " if not loop.last }}{% endfor %}) as has_approximate,
    a.is_unitemized,
    coalesce(a.from_text, false) as from_text,
    a.note,
    a.source_file,
    a.source_sheet,
    a.source_row,
    a.source_cell
from core.activities as a
join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256
    and s.unit_code is not distinct from a.unit_code
join core.units as u on u.campaign_id = a.campaign_id and u.unit_code = a.unit_code
where s.is_current and a.counted and a.duplicate_of is null;
