-- SPEC §3.7: a counted detail row with more volunteers than participants, cited at its volunteers cell.
select a.file_sha256 as sha256,
       {{ issue("volunteers_exceed_participants", sheet="a.source_sheet", cell="r.volunteers_cell",
                row="a.source_row", raw="a.volunteers", volunteers="a.volunteers",
                participants="a.participants") }}
from core.activities as a
join _campaign as k on k.campaign_id = a.campaign_id
join raw.activity_rows as r
    on r.campaign_id = a.campaign_id and r.sha256 = a.file_sha256
    and r.source_sheet = a.source_sheet and r.source_row = a.source_row
where a.counted and not a.is_unitemized and a.volunteers > a.participants
