-- SPEC §3.10: a forwarded table's unit column naming no unit of the registry, or several (within the source's
-- district), leaves its rows with the file's unit — re-attribution needs a match — and says so once per text,
-- cited at its first cell.
select a.file_sha256 as sha256,
       {{ issue("forwarded_unit_unknown", sheet="arg_min(a.source_sheet, a.source_row)",
                cell="arg_min(r.reporting_unit_cell, a.source_row)", row="min(a.source_row)",
                raw="r.reporting_unit", rows="count(*)", unit_name="any_value(n.unit_name)",
                reason="case any_value(u.row_unit_outcome) when 'ambiguous' then '在单位名录中对应多个单位' "
                       "else '在单位名录中找不到' end") }}
from core.activities as a
join _campaign as k on k.campaign_id = a.campaign_id
join raw.activity_rows as r
    on r.campaign_id = a.campaign_id and r.sha256 = a.file_sha256
    and r.source_sheet = a.source_sheet and r.source_row = a.source_row
join _row_units as u on u.sha256 = r.sha256 and u.reporting_unit = r.reporting_unit
left join _units as n on n.unit_code = a.unit_code
where u.row_unit is null and a.unit_code is not null
group by a.file_sha256, r.reporting_unit
