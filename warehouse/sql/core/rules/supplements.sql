-- Versions and supplements (SPEC §3.2), after rules/submissions. What the files of a unit's submissions have in
-- common is the day and normalised name of their rows (transforms.dedup.name_keys, handed in as
-- _event_name_keys): _version_keys holds them for every countable file, with the version it belongs to (itself,
-- or the version a supplement adds to); checks/versions asks whether a new version shares any with the one it
-- replaces.
create or replace temp table _version_keys as
select distinct s.unit_code, coalesce(s.supplements, s.file_sha256) as base_sha256, a.file_sha256, a.start_date, n.key as name_key
from core.activities as a
join _campaign as k on k.campaign_id = a.campaign_id
join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256
    and s.unit_code is not distinct from a.unit_code
join _event_name_keys as n on n.text = a.activity_name
where a.row_status = 'ok' and not a.is_unitemized and a.start_date is not null and n.key <> ''
  and s.status in {{ counted_statuses }} and s.unit_code is not null;

-- A supplement's row equal to one already counted for its version — the same start
-- date and normalised name (transforms.dedup.name_keys, handed in as _event_name_keys) — counts once; so does a
-- forwarded row (role `forwarded`, SPEC §3.10) equal to one the unit counted itself. Rows match one to one: the
-- version and the files added to it, the unit's own first (then in version order), each hold their k-th row of a
-- given day and name (by sheet and row); the k-th such row counts in the first file holding one, and a later
-- file's k-th is a repeat of it, pointed straight at it (duplicate_of: never a chain). Further rows of that day
-- and name are new activities and count.
create or replace temp table _supplement_repeats as
with supplemented as (
    select distinct s.unit_code, s.supplements as base_sha256
    from core.submissions as s
    join _campaign as k on k.campaign_id = s.campaign_id
    where s.role in ('supplement', 'forwarded') and s.status in {{ counted_statuses }} and s.unit_code is not null
),
grouped as (
    select
        a.activity_id,
        a.file_sha256,
        s.unit_code,
        a.source_file,
        a.source_sheet,
        a.source_row,
        a.source_cell,
        a.activity_name,
        a.start_date,
        g.base_sha256,
        s.version,
        s.forwarded_by,
        (s.forwarded_by is not null)::integer * 1000000 + s.version as precedence,
        n.key as name_key
    from core.activities as a
    join _campaign as k on k.campaign_id = a.campaign_id
    join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256
    and s.unit_code is not distinct from a.unit_code
    join supplemented as g on g.base_sha256 = coalesce(s.supplements, s.file_sha256) and g.unit_code = s.unit_code
    join _event_name_keys as n on n.text = a.activity_name
    where a.counted and a.duplicate_of is null and not a.is_unitemized and a.start_date is not null and n.key <> ''
      and s.status in {{ counted_statuses }} and s.unit_code is not null
),
numbered as (
    select
        *,
        row_number() over (partition by unit_code, file_sha256, start_date, name_key order by source_sheet, source_row)
            as occurrence
    from grouped
),
firsts as (
    select unit_code, base_sha256, start_date, name_key, occurrence,
           arg_min(activity_id, precedence) as kept_id, min(precedence) as first_precedence
    from numbered
    group by unit_code, base_sha256, start_date, name_key, occurrence
)
select r.activity_id, r.file_sha256, r.unit_code, r.forwarded_by, r.source_sheet, r.source_row, r.source_cell,
       r.activity_name, f.kept_id
from numbered as r
join firsts as f using (unit_code, base_sha256, start_date, name_key, occurrence)
where r.precedence > f.first_precedence;

update core.activities as a
set duplicate_of = r.kept_id
from _supplement_repeats as r
where a.activity_id = r.activity_id
  and a.campaign_id = (select campaign_id from _campaign);
