-- core.submissions (SPEC §3.2, §3.3, §3.10): one row per received file and unit — the file's own unit, and each
-- unit a forwarded table credits rows to (rules/activities; `forwarded_by` = the file's unit). Its status: rejected (unreadable, or nothing
-- in it counts), unidentified or conflict (held), else accepted, or partial when some rows were rejected.
-- Each unit's files are numbered oldest → newest by 填报日期 (the day received when it has none), then
-- received_at, then path. Versions are judged within a stream: the unit's own files, and apart the rows each
-- forwarder's tables credit to it (a later table from one forwarder supersedes that forwarder's earlier one).
-- The own part of a file whose every row went to other units is `forwarded` (no version of its own). A countable file (accepted or partial) is a version, or a supplement when it is marked
-- one (its name, title or a note line, or the office's decision: rules/files) and an earlier countable file of
-- its stream exists to add to; a supplement adds to the last version before it. The newest countable version of
-- each stream is current with the supplements added to it (is_current). Forwarding adds, it never removes (§3.10):
-- the unit's own stream when it has a current version, else the earliest current forwarded one, is the unit's
-- one current version; every other stream's current files add to it (role `forwarded`, `supplements` naming it).
delete from core.submissions where campaign_id = (select campaign_id from _campaign);

insert into core.submissions by name
with counts as (
    select
        file_sha256,
        unit_code,
        count(*) as activity_rows,
        count(*) filter (where counted) as counted_rows,
        count(*) filter (where row_status = 'rejected') as rejected_rows
    from core.activities
    where campaign_id = (select campaign_id from _campaign)
    group by file_sha256, unit_code
),
parts as (
    select f.*, cast(null as varchar) as forwarded_by,
           exists (select 1 from counts as o where o.file_sha256 = f.sha256 and o.unit_code <> f.unit_code)
               as forwards
    from _files as f
    union all by name
    select f.* replace (c.unit_code as unit_code), f.unit_code as forwarded_by, false as forwards
    from _files as f
    join counts as c on c.file_sha256 = f.sha256 and c.unit_code <> f.unit_code
),
judged as (
    select
        f.*,
        coalesce(c.activity_rows, 0) as activity_rows,
        coalesce(c.counted_rows, 0) as counted_rows,
        coalesce(c.rejected_rows, 0) as rejected_rows,
        case
            when not f.readable then 'rejected'
            when f.resolution <> 'identified' then f.resolution
            when coalesce(c.activity_rows, 0) = 0 and f.forwards then 'forwarded'
            when coalesce(c.counted_rows, 0) = 0 then 'rejected'
            when c.rejected_rows > 0 then 'partial'
            else 'accepted'
        end as status
    from parts as f
    left join counts as c on c.file_sha256 = f.sha256 and c.unit_code is not distinct from f.unit_code
),
versioned as (
    select
        *,
        coalesce(forwarded_by, '') as stream,
        case when unit_code is not null then row_number() over (
            partition by unit_code
            order by coalesce(reported_at, cast(received_at as date)), received_at, path) end as version,
        unit_code is not null and status in {{ counted_statuses }} as countable
    from judged
),
roled as (
    -- a marked file with nothing countable before it in its stream is the stream's first version, whatever it says
    select
        *,
        case when marked_supplement and unit_code is not null and coalesce(sum(countable::integer) over (
                partition by unit_code, stream order by version rows between unbounded preceding and 1 preceding), 0) > 0
             then 'supplement' else 'version' end as stream_role
    from versioned
),
based as (
    select
        *,
        case when stream_role = 'supplement' then max(case when countable and stream_role = 'version' then version end) over (
            partition by unit_code, stream order by version rows between unbounded preceding and 1 preceding) end
            as base_version
    from roled
),
newest as (
    select unit_code, stream, arg_max(sha256, version) as current_sha256, max(version) as current_version
    from based
    where countable and stream_role = 'version'
    group by unit_code, stream
),
primary_stream as (
    -- the unit's own stream when it has a current version, else the earliest current forwarded one
    select unit_code, arg_min(stream, (stream <> '', current_version)) as stream,
           arg_min(current_sha256, (stream <> '', current_version)) as current_sha256
    from newest
    group by unit_code
),
placed as (
    select
        v.*,
        b.sha256 as base_sha256,
        n.current_sha256 as stream_current_sha256,
        v.countable and coalesce(n.current_sha256 in (v.sha256, b.sha256), false) as is_current,
        p.stream = v.stream as in_primary,
        p.current_sha256 as primary_sha256
    from based as v
    left join based as b on b.unit_code = v.unit_code and b.stream = v.stream and b.version = v.base_version
    left join newest as n on n.unit_code = v.unit_code and n.stream = v.stream
    left join primary_stream as p on p.unit_code = v.unit_code
)
select
    k.campaign_id,
    v.sha256 as file_sha256,
    v.path as file_path,
    v.unit_code,
    v.identified_by,
    case when v.forwarded_by is null then list_sort(list_distinct([v.code_unit, v.name_unit]))
         else []::varchar[] end as claimed_unit_codes,  -- what the file claims is its own unit's
    v.declared_code,
    v.declared_name,
    v.reported_at,
    v.received_at,
    v.detail_sheet,
    v.status,
    v.activity_rows,
    v.counted_rows,
    v.rejected_rows,
    v.version,
    v.is_current,
    case when v.countable and not v.is_current then v.stream_current_sha256 end as superseded_by,
    case when v.is_current and not v.in_primary then 'forwarded' else v.stream_role end as role,
    case when v.is_current and not v.in_primary then v.primary_sha256 else v.base_sha256 end as supplements,
    v.supplement_evidence,
    v.forwarded_by
from placed as v
cross join _campaign as k;
