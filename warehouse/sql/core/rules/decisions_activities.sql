-- The office's decisions (SPEC §3.9), 3, once core.activities holds every row: each decision with its cells
-- taken apart (sheet, row) and the detail row each names — the row of that file at that row number (on that
-- sheet, when the cell names one); then `exclude_file`: none of the file's rows counts, so it cannot be its
-- unit's current version (the version before it, if any, is).
create or replace temp table _decisions as
with cells as (
    select
        d.*,
        regexp_extract(d.cell, '^(.+)!', 1) as cell_sheet,
        upper(regexp_replace(regexp_replace(d.cell, '^.*!', ''), '\$', '', 'g')) as cell_address,
        try_cast(regexp_extract(d.cell, '([0-9]+)$', 1) as integer) as cell_row,
        regexp_extract(d.other_cell, '^(.+)!', 1) as other_sheet,
        try_cast(regexp_extract(d.other_cell, '([0-9]+)$', 1) as integer) as other_row
    from core.decisions as d
    where d.campaign_id = (select campaign_id from _campaign)
)
select
    c.*,
    (select min(a.activity_id) from core.activities as a
     where a.campaign_id = c.campaign_id and a.file_sha256 = c.file_sha256 and a.source_row = c.cell_row
       and not a.is_unitemized and (c.cell_sheet = '' or a.source_sheet = c.cell_sheet)) as activity_id,
    (select min(a.activity_id) from core.activities as a
     where a.campaign_id = c.campaign_id and a.file_sha256 = c.other_sha256 and a.source_row = c.other_row
       and not a.is_unitemized and (c.other_sheet = '' or a.source_sheet = c.other_sheet)) as other_activity_id
from cells as c;

update core.activities as a
set counted = false
from _decisions as d
where d.kind = 'exclude_file' and d.file_sha256 = a.file_sha256
  and a.campaign_id = (select campaign_id from _campaign);
