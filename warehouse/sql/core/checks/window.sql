-- SPEC §3.3: a row that passed every row rule but starts outside the campaign window is kept, not counted,
-- and cited at its start-date cell. A sheet whose every such row (two or more) is outside the window is another
-- campaign's table or a sheet of wrong dates: one warning for the sheet, at its first row's start-date cell,
-- instead of one per row (the rows are kept, not counted, all the same).
with outside as (
    select a.file_sha256, a.source_sheet, a.source_row, a.start_date, r.start_date_cell, k.window_text,
           count(*) over (partition by a.file_sha256, a.source_sheet) as outside_rows,
           min(a.start_date) over (partition by a.file_sha256, a.source_sheet) as first_day,
           max(a.start_date) over (partition by a.file_sha256, a.source_sheet) as last_day,
           row_number() over (partition by a.file_sha256, a.source_sheet order by a.source_row) as nth
    from core.activities as a
    join _campaign as k on k.campaign_id = a.campaign_id
    join raw.activity_rows as r
        on r.campaign_id = a.campaign_id and r.sha256 = a.file_sha256
        and r.source_sheet = a.source_sheet and r.source_row = a.source_row
    where a.row_status = 'ok' and not a.in_window and not a.is_unitemized
),
sheets as (
    select a.file_sha256, a.source_sheet, count(*) as ok_rows
    from core.activities as a
    where a.campaign_id = (select campaign_id from _campaign) and a.row_status = 'ok' and not a.is_unitemized
    group by a.file_sha256, a.source_sheet
),
judged as (
    select o.*, o.outside_rows = s.ok_rows and s.ok_rows >= 2 as whole_sheet
    from outside as o
    join sheets as s on s.file_sha256 = o.file_sha256 and s.source_sheet = o.source_sheet
)
select file_sha256 as sha256,
       {{ issue("outside_window", sheet="source_sheet", cell="start_date_cell", row="source_row",
                raw="start_date", start="start_date", window="window_text") }}
from judged
where not whole_sheet
union all by name
select file_sha256 as sha256,
       {{ issue("sheet_outside_window", sheet="source_sheet", cell="start_date_cell", row="source_row",
                raw="case when first_day = last_day then strftime(first_day, '%Y-%m-%d') else strftime(first_day, '%Y-%m-%d') || '至' || strftime(last_day, '%Y-%m-%d') end",
                sheet_name="source_sheet", rows="outside_rows", window="window_text") }}
from judged
where whole_sheet and nth = 1
