-- Each received file of the campaign (SPEC §3.1): what it declares about itself and the unit it belongs to,
-- resolved once per file (transforms.identity.resolve_files, handed in as _identity). Files set aside as
-- not submissions (`ignored`) are no one's.
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
    i.unknown_code
from raw.files as f
join _campaign as k on k.campaign_id = f.campaign_id
left join raw.declarations as d on d.campaign_id = f.campaign_id and d.sha256 = f.sha256
left join _identity as i on i.sha256 = f.sha256
where f.status <> 'ignored';
