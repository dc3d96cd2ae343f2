-- Joint activities (SPEC §3.5), 1: the rows that can be copies of one event — counted detail rows of the
-- units' current versions (a supplement's rows included, its repeats not), with a name and a venue — with their comparison keys (transforms.dedup, handed in
-- as _event_name_keys and _venue_keys), and every unit each row names as organizer or partner
-- (_unit_mentions: by code, name or alias).
create or replace temp table _joint_rows as
select
    a.activity_id,
    a.file_sha256,
    a.unit_code,
    a.start_date,
    a.activity_name,
    a.source_file,
    a.source_sheet,
    a.source_row,
    a.source_cell,
    a.organizer,
    a.partners,
    n.key as name_key,
    v.key as venue_key,
    s.received_at
from core.activities as a
join _campaign as k on k.campaign_id = a.campaign_id
join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256 and s.is_current
    and s.unit_code is not distinct from a.unit_code
join _event_name_keys as n on n.text = a.activity_name
join _venue_keys as v on v.text = a.venue
where a.counted and not a.is_unitemized and a.unit_code is not null and n.key <> '' and v.key <> ''
  and a.duplicate_of is null;  -- a supplement's repeat of its version's row (rules/supplements) is counted there

create or replace temp table _joint_links as
select j.activity_id, m.unit_code as named_unit, 'organizer' as role
from _joint_rows as j
join _unit_mentions as m on m.text = j.organizer
union
select j.activity_id, m.unit_code as named_unit, 'partner' as role
from (select activity_id, unnest(partners) as partner from _joint_rows) as j
join _unit_mentions as m on m.text = j.partner;
