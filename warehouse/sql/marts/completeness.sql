-- 报送情况: one row per expected unit of a campaign. on_time / late: its current submission was received
-- by / after the deadline (audit.submissions.on_time); held: something came from it but nothing counts
-- yet (rejected, or a file naming it is in conflict; held_detail says why in the words of that file's first
-- error: 「文件已损坏，无法读取（…）」, 「该文件实为 PDF 文档…」); source_unavailable: nothing came, and every source its
-- files could come from failed in the last run (core.source_unavailable); missing: nothing came. A unit whose
-- report was a table forwarding its units' rows and none of its own (SPEC §3.10, status `forwarded`) did
-- report: on_time or late by when that table came.
create or replace view marts.completeness as
with current_submission as (
    select campaign_id, unit_code, file_path, received_at, on_time
    from audit.submissions
    where is_current and role = 'version'
),
forwarding as (
    select campaign_id, unit_code, min(received_at) as received_at,
           arg_min(file_path, received_at) as file_path, bool_or(on_time) as on_time
    from audit.submissions
    where status = 'forwarded'
    group by all
),
held as (
    select s.campaign_id, u.unit_code, min(s.received_at) as received_at,
           string_agg(distinct s.status, '、') as statuses,
           arg_min(s.file_path, s.received_at) as file_path,
           arg_min(s.file_sha256, s.received_at) as file_sha256
    from core.submissions as s
    join core.units as u
        on u.campaign_id = s.campaign_id
        and (s.unit_code = u.unit_code or list_contains(s.claimed_unit_codes, u.unit_code))
    where s.status <> 'forwarded'
    group by all
)
select
    u.campaign_id,
    u.unit_code,
    u.unit_name,
    u.unit_type,
    u.district_code,
    u.district_name,
    case
        when c.unit_code is not null and c.on_time then 'on_time'
        when c.unit_code is not null then 'late'
        when f.unit_code is not null and f.on_time then 'on_time'
        when f.unit_code is not null then 'late'
        when h.unit_code is not null then 'held'
        when x.unit_code is not null then 'source_unavailable'
        else 'missing'
    end as status,
    coalesce(c.received_at, f.received_at, h.received_at) as received_at,
    case when c.unit_code is not null or f.unit_code is not null
         then greatest(0, date_diff('day', k.deadline, cast(coalesce(c.received_at, f.received_at) as date)))::integer
    end as days_late,
    coalesce(c.file_path, f.file_path, h.file_path) as file_path,
    case when c.unit_code is null and f.unit_code is null and h.unit_code is not null then h.statuses end
        as held_reason,
    case when c.unit_code is null and f.unit_code is null and h.unit_code is not null then
        (select i.message from audit.issues as i
         where i.campaign_id = u.campaign_id and i.file_sha256 = h.file_sha256 and i.severity = 'error'
         order by i.issue_no limit 1) end
        as held_detail,
    case when c.unit_code is null and f.unit_code is null and h.unit_code is null then x.sources end
        as unavailable_sources
from core.units as u
join core.campaigns as k on k.campaign_id = u.campaign_id
left join current_submission as c on c.campaign_id = u.campaign_id and c.unit_code = u.unit_code
left join forwarding as f on f.campaign_id = u.campaign_id and f.unit_code = u.unit_code
left join held as h on h.campaign_id = u.campaign_id and h.unit_code = u.unit_code
left join core.source_unavailable as x on x.campaign_id = u.campaign_id and x.unit_code = u.unit_code
where u.expected;
