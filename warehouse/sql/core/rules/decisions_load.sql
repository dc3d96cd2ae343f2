-- The office's decisions (SPEC §3.9), 1: the valid lines of decisions.csv (read and checked by
-- transforms.decisions, handed in as _decision_lines) into core.decisions, each file resolved to the sha256 it
-- names: the sha256 itself, a prefix of it naming one file only, or a path as raw.files records it (or a path a
-- byte-identical copy was seen at).
delete from core.decisions where campaign_id = (select campaign_id from _campaign);

create or replace temp table _decision_file_names as
select f.sha256, f.sha256 as name, true as is_hash
from raw.files as f join _campaign as k on k.campaign_id = f.campaign_id
where f.status <> 'ignored'
union
select f.sha256, f.path as name, false as is_hash
from raw.files as f join _campaign as k on k.campaign_id = f.campaign_id
where f.status <> 'ignored'
union
select s.sha256, s.path as name, false as is_hash
from raw.file_sightings as s join _campaign as k on k.campaign_id = s.campaign_id
join raw.files as f on f.campaign_id = s.campaign_id and f.sha256 = s.sha256 and f.status <> 'ignored';

insert into core.decisions by name
with named as (
    select cast(line as integer) as line, 'file' as side, trim(file) as written from _decision_lines where file is not null
    union all
    select cast(line as integer), 'other', trim(other_file) from _decision_lines where other_file is not null
),
resolved as (
    select n.line, n.side,
           case when count(distinct f.sha256) = 1 then min(f.sha256) end as sha256
    from named as n
    left join _decision_file_names as f
        on f.name = n.written
        or (f.is_hash and length(n.written) >= {{ sha_prefix_min }} and starts_with(f.name, lower(n.written)))
    group by n.line, n.side
)
select
    k.campaign_id,
    cast(d.line as integer) as line,
    d.kind,
    d.file,
    f.sha256 as file_sha256,
    d.cell,
    d.unit_code,
    d.value,
    d.other_file,
    o.sha256 as other_sha256,
    d.other_cell,
    d.reason,
    d.decided_by,
    d.decided_at
from _decision_lines as d
cross join _campaign as k
left join resolved as f on f.line = cast(d.line as integer) and f.side = 'file'
left join resolved as o on o.line = cast(d.line as integer) and o.side = 'other';
