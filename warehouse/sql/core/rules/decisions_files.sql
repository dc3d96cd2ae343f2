-- The office's decisions (SPEC §3.9), 2, before versions are judged: `assign_unit` — a file the office
-- assigned belongs to that unit (held or not: the office's word comes before the file's own), found by
-- `decision`. The last line naming a file wins; a unit not in the registry assigns nothing (decision_stale).
update _files as f
set unit_code = a.unit_code, resolution = 'identified', identified_by = 'decision'
from (
    select file_sha256, arg_max(unit_code, line) as unit_code
    from core.decisions
    where campaign_id = (select campaign_id from _campaign) and kind = 'assign_unit' and file_sha256 is not null
      and unit_code in (select unit_code from _units)
    group by file_sha256
) as a
where f.sha256 = a.file_sha256;
