-- 收到的文件: every file seen at each source of a campaign (a path and its content; the same content at two sources
-- is a row at each), with what became of it (raw.files: read, rejected, ignored) and the run that first saw it there
-- — what 今日概况 counts by source. A reader's view of raw.file_sightings and raw.files.
create or replace view audit.received_files as
select
    s.campaign_id,
    s.source,
    s.path,
    s.sha256 as file_sha256,
    f.received_at,
    f.status,
    f.reason,
    s.first_run_id,
    s.last_run_id,
    f.sender
from raw.file_sightings as s
left join raw.files as f on f.campaign_id = s.campaign_id and f.sha256 = s.sha256;
