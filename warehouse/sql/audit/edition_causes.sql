-- 变更原因: one row per change behind a campaign's figures since its last signed edition — a file that counts now
-- and did not when the edition was signed (a new version, a 补报/补充, a first file, rows forwarded by another
-- unit; marked 报送后 when received, or first seen by a run, after signing), a file that counted then and no
-- longer does (excluded, rolled back), a decision in effect now and not then (a correction names its cell, old
-- and new value), or one no longer in effect — each with its unit and a Chinese text. Set-based over
-- audit.submissions, audit.decisions and the edition's basis (audit.edition_files, audit.edition_decisions);
-- marts.changes_since_signed attaches them to figures.
create or replace view audit.edition_causes as
with last as (
    select e.* from audit.editions as e
    where e.edition_no = (select max(x.edition_no) from audit.editions as x where x.campaign_id = e.campaign_id)
),
counted as (
    select s.campaign_id, s.unit_code, s.unit_name, s.district_code, s.file_sha256, s.file_path, s.received_at,
           s.role, s.version, s.forwarded_by
    from audit.submissions as s
    where s.is_current and s.status in {{ counted_statuses }} and s.unit_code is not null
),
file_rows as (
    select a.file_sha256, a.unit_code,
           count(*) filter (where a.duplicate_of is null) as added,
           count(*) filter (where a.duplicate_of is not null and d.unit_code = a.unit_code) as repeats
    from core.activities as a
    left join core.activities as d on d.campaign_id = a.campaign_id and d.activity_id = a.duplicate_of
    where a.counted and a.campaign_id in (select campaign_id from last)
    group by a.file_sha256, a.unit_code
),
units as (
    select campaign_id, unit_code, unit_name, district_code from core.units
),
added as (
    select c.*, l.edition_no, l.signed_at,
           coalesce(r.added, 0) as added, coalesce(r.repeats, 0) as repeats,
           f.unit_name as forwarder_name,
           (select min(r.started_at) from raw.files as rf
            join audit.run_log as r on r.run_id = rf.first_run_id
            where rf.campaign_id = c.campaign_id and rf.sha256 = c.file_sha256) as first_seen,
           (select string_agg('“' || e.file_path || '”', '、' order by e.file_path) from audit.edition_files as e
            where e.campaign_id = c.campaign_id and e.edition_no = l.edition_no and e.unit_code = c.unit_code
              and e.role = 'version' and e.forwarded_by is null and e.file_sha256 <> c.file_sha256) as replaced
    from counted as c
    join last as l on l.campaign_id = c.campaign_id
    left join file_rows as r on r.file_sha256 = c.file_sha256 and r.unit_code = c.unit_code
    left join units as f on f.campaign_id = c.campaign_id and f.unit_code = c.forwarded_by
    where not exists (select 1 from audit.edition_files as e
                      where e.campaign_id = c.campaign_id and e.edition_no = l.edition_no
                        and e.unit_code = c.unit_code and e.file_sha256 = c.file_sha256)
),
file_added as (
    select campaign_id, edition_no, unit_code, unit_name, district_code, file_sha256,
           case when forwarded_by is not null then 'forwarded'
                when role = 'supplement' then 'supplement'
                when replaced is not null then 'new_version'
                else 'new_file' end as kind,
           case
               when forwarded_by is not null then
                   '转报：' || coalesce(forwarder_name, forwarded_by) || '的“' || file_path || '”为' || unit_name
                   || '转来' || added || '行' || case when repeats > 0
                       then '（另' || repeats || '行与本单位已报的重复，只计一次）' else '' end
               when role = 'supplement' then
                   '补报：' || unit_name || '“' || file_path || '”新增' || added || '行'
                   || case when repeats > 0 then '、重复' || repeats || '行（只计一次）' else '' end
               when replaced is not null then
                   '新版本：' || unit_name || '“' || file_path || '”取代' || replaced
               else '新计入：' || unit_name || '“' || file_path || '”（' || added || '行）'
           end
           || case when received_at > signed_at or first_seen > signed_at
                   then '，' || strftime(received_at, '%-m月%-d日') || '收到（报送后）' else '' end as cause,
           received_at as sort_time, 0 as sort_line
    from added
),
file_removed as (
    select e.campaign_id, e.edition_no, e.unit_code, u.unit_name, u.district_code, e.file_sha256,
           'removed_file' as kind,
           '不再计入：' || coalesce(u.unit_name, e.unit_code) || '“' || e.file_path || '”'
           || case when exists (select 1 from audit.decisions as d
                                where d.campaign_id = e.campaign_id and d.kind = 'exclude_file'
                                  and d.outcome = 'applied' and d.file_sha256 = e.file_sha256)
                   then '（已排除整个文件）' else '' end as cause,
           e.received_at as sort_time, 0 as sort_line
    from audit.edition_files as e
    join last as l on l.campaign_id = e.campaign_id and l.edition_no = e.edition_no
    left join units as u on u.campaign_id = e.campaign_id and u.unit_code = e.unit_code
    where not exists (select 1 from counted as c
                      where c.campaign_id = e.campaign_id and c.unit_code = e.unit_code
                        and c.file_sha256 = e.file_sha256)
      and not exists (select 1 from file_added as a
                      where a.campaign_id = e.campaign_id and a.unit_code = e.unit_code and a.kind = 'new_version')
),
paths as (
    select campaign_id, file_sha256, min(file_path) as file_path from audit.submissions group by all
),
decision_added as (
    select d.campaign_id, l.edition_no, d.unit_code, u.unit_name, u.district_code, d.file_sha256,
           'decision' as kind,
           '决定（decisions.csv 第' || d.line || '行，' || coalesce(d.kind_label, d.kind)
           || case when coalesce(d.reason, '') <> '' then '，' || d.reason else '' end || '）：'
           || case when d.kind = 'correct_value'
                   then coalesce(u.unit_name || '“' || p.file_path || '”', '') || coalesce(d.cell, '') || ' ' else '' end
           || d.effect as cause,
           null::timestamp as sort_time, d.line as sort_line
    from audit.decisions as d
    join last as l on l.campaign_id = d.campaign_id
    left join units as u on u.campaign_id = d.campaign_id and u.unit_code = d.unit_code
    left join paths as p on p.campaign_id = d.campaign_id and p.file_sha256 = d.file_sha256
    where d.outcome in ('applied', 'recorded')
      and not exists (select 1 from audit.edition_decisions as e
                      where e.campaign_id = d.campaign_id and e.edition_no = l.edition_no and e.kind = d.kind
                        and e.file_sha256 is not distinct from d.file_sha256 and e.cell is not distinct from d.cell
                        and e.value is not distinct from d.value and e.other_sha256 is not distinct from d.other_sha256
                        and e.other_cell is not distinct from d.other_cell)
),
decision_removed as (
    select e.campaign_id, e.edition_no, e.unit_code, u.unit_name, u.district_code, e.file_sha256,
           'decision_removed' as kind,
           '决定不再执行（decisions.csv 第' || e.line || '行，' || coalesce(e.kind_label, e.kind) || '）：'
           || coalesce(e.effect, '') as cause,
           null::timestamp as sort_time, e.line as sort_line
    from audit.edition_decisions as e
    join last as l on l.campaign_id = e.campaign_id and l.edition_no = e.edition_no
    left join units as u on u.campaign_id = e.campaign_id and u.unit_code = e.unit_code
    where not exists (select 1 from audit.decisions as d
                      where d.campaign_id = e.campaign_id and d.outcome in ('applied', 'recorded') and d.kind = e.kind
                        and d.file_sha256 is not distinct from e.file_sha256 and d.cell is not distinct from e.cell
                        and d.value is not distinct from e.value and d.other_sha256 is not distinct from e.other_sha256
                        and d.other_cell is not distinct from e.other_cell)
)
select *, row_number() over (partition by campaign_id order by sort_line = 0 desc, sort_time nulls last, sort_line,
                                                                 cause) as cause_no
from (
    select * from file_added
    union all select * from file_removed
    union all select * from decision_added
    union all select * from decision_removed
);
