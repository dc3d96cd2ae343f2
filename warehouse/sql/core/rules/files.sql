-- Each received file of the campaign (SPEC §3.1): what it declares about itself and the unit it belongs to,
-- resolved once per file (transforms.identity.resolve_files, handed in as _identity), and what marks it a
-- supplement (SPEC §3.2): its name, title or a note line (transforms.supplements.find_marks, handed in as
-- _supplement_marks) or the office's decision `supplement` (core.decisions, §3.9). Files set aside as not
-- submissions (`ignored`) are no one's.
create or replace temp view _units as
select u.* from core.units as u join _campaign as k on k.campaign_id = u.campaign_id;

create or replace temp table _files as
select
    f.sha256,
    f.path,
    f.received_at,
    f.status <> 'rejected' as readable,
    d.declared_code,
    d.declared_code_cell,
    d.declared_code_sheet,
    d.declared_name,
    d.declared_name_cell,
    d.declared_name_sheet,
    d.reported_at,
    d.detail_sheet,
    i.unit_code,
    coalesce(i.resolution, 'unidentified') as resolution,
    i.identified_by,
    i.code_unit,
    i.name_unit,
    i.unknown_code,
    m.sha256 is not null or x.line is not null as marked_supplement,
    nullif(concat_ws('；',
        case m.marked_by
            when 'file_name' then '文件名“' || m.mark_text || '”'
            when 'title' then '标题行（' || m.mark_sheet || '!' || m.mark_cell || '）“' || m.mark_text || '”'
            when 'note' then '说明行（' || m.mark_sheet || '!' || m.mark_cell || '）“' || m.mark_text || '”'
        end,
        '市科协决定（decisions.csv 第' || x.line || '行）'), '') as supplement_evidence
from raw.files as f
join _campaign as k on k.campaign_id = f.campaign_id
left join raw.declarations as d on d.campaign_id = f.campaign_id and d.sha256 = f.sha256
left join _identity as i on i.sha256 = f.sha256
left join _supplement_marks as m on m.sha256 = f.sha256
left join (
    select d.file_sha256, min(d.line) as line
    from core.decisions as d
    join _campaign as k on k.campaign_id = d.campaign_id
    where d.kind = 'supplement' and d.file_sha256 is not null
    group by d.file_sha256
) as x on x.file_sha256 = f.sha256
where f.status <> 'ignored';
