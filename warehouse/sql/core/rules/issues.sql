-- audit.issues (SPEC §3.6, §3.11): every problem of the campaign — found while reading a file (raw.parse_issues),
-- by the rules (_core_issues, the checks of sql/core/checks) and a byte-identical copy at another path — with
-- its unit (its row's in a forwarded table) and whether that file is that unit's current version (the issues of superseded versions are
-- history). Numbered by file, then severity, sheet, row, cell and code; message and value settle ties, so the
-- same inputs always number the same way.
delete from audit.issues where campaign_id = (select campaign_id from _campaign);

insert into audit.issues by name
with found as (
    select sha256, severity, code, message, sheet, cell, raw_value, row_number
    from raw.parse_issues
    where campaign_id = (select campaign_id from _campaign)
    union all by name
    select sha256, unit_code, severity, code, message, sheet, cell, raw_value, row_number
    from _core_issues
    union all by name
    select s.sha256, {{ issue("file_duplicate_copy", raw="s.path", other="f.path") }}
    from raw.file_sightings as s
    join _campaign as k on k.campaign_id = s.campaign_id
    join raw.files as f on f.campaign_id = s.campaign_id and f.sha256 = s.sha256
    where s.path <> f.path
)
select
    k.campaign_id,
    row_number() over (
        order by coalesce(s.file_path, ''),
                 case i.severity{% for severity in severity_order %} when '{{ severity }}' then {{ loop.index }}{% endfor %} end,
                 coalesce(i.sheet, ''), coalesce(i.row_number, 0), coalesce(i.cell, ''), i.code,
                 i.message, coalesce(i.raw_value, '')) as issue_no,
    i.severity,
    i.code,
    i.message,
    s.unit_code,
    u.unit_name,
    i.sha256 as file_sha256,
    s.file_path,
    i.sheet,
    i.cell,
    i.raw_value,
    i.row_number,
    coalesce(s.is_current, false) as is_current_version
from found as i
cross join _campaign as k
-- the unit an issue is about: the one a check names, else its row's (a forwarded table's row belongs to the unit
-- it names, SPEC §3.10), else the file's own
left join core.activities as a
    on a.campaign_id = k.campaign_id and a.file_sha256 = i.sha256 and a.source_sheet = i.sheet
    and a.source_row = i.row_number and not a.is_unitemized
left join core.submissions as o
    on o.campaign_id = k.campaign_id and o.file_sha256 = i.sha256 and o.forwarded_by is null
left join core.submissions as s
    on s.campaign_id = k.campaign_id and s.file_sha256 = i.sha256
    and s.unit_code is not distinct from coalesce(i.unit_code, a.unit_code, o.unit_code)
left join _units as u on u.unit_code = s.unit_code;
