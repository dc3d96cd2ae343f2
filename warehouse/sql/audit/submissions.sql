-- 报送记录: every received file with each unit it belongs to or claims (a file in conflict names two
-- units and is held for both), its version (or the version it supplements), status and whether it came in by the deadline.
-- The on-time rule is written here only: received on or before the deadline day (Beijing time, as received_at is);
-- marts.completeness and through it the totals' units_on_time read it from here. A late file the office
-- accepted as on time (decisions.csv accept_on_time, applied: audit.decisions) is on time.
create or replace view audit.submissions as
select
    s.campaign_id,
    u.unit_code,
    u.unit_name,
    u.district_code,
    u.district_name,
    s.file_sha256,
    s.file_path,
    s.received_at,
    s.reported_at,
    s.status,
    s.version,
    s.is_current,
    s.activity_rows,
    s.counted_rows,
    s.rejected_rows,
    cast(s.received_at as date) <= k.deadline or exists (
        select 1 from audit.decisions as d
        where d.campaign_id = s.campaign_id and d.file_sha256 = s.file_sha256
          and d.kind = 'accept_on_time' and d.outcome = 'applied') as on_time,
    s.role,
    s.supplements,
    s.forwarded_by
from core.submissions as s
join core.units as u
    on u.campaign_id = s.campaign_id
    and (s.unit_code = u.unit_code or list_contains(s.claimed_unit_codes, u.unit_code))
join core.campaigns as k on k.campaign_id = s.campaign_id;
