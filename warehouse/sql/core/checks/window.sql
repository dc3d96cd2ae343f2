-- SPEC §3.3: a row that passed every row rule but starts outside the campaign window is kept, not counted,
-- and cited at its start-date cell.
select a.file_sha256 as sha256,
       {{ issue("outside_window", sheet="a.source_sheet", cell="r.start_date_cell", row="a.source_row",
                raw="a.start_date", start="a.start_date", window="k.window_text") }}
from core.activities as a
join _campaign as k on k.campaign_id = a.campaign_id
join raw.activity_rows as r
    on r.campaign_id = a.campaign_id and r.sha256 = a.file_sha256
    and r.source_sheet = a.source_sheet and r.source_row = a.source_row
where a.row_status = 'ok' and not a.in_window and not a.is_unitemized
