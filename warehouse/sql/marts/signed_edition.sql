-- 报送版本状态: one row per campaign with a signed edition — its last edition (第N版: when, by whom, the copies
-- kept), how many figures differ from it (marts.changes_since_signed) and how many changes lie behind the current
-- state (audit.edition_causes); `same_as_signed` when neither: the published state is the edition's.
create or replace view marts.signed_edition as
select
    e.campaign_id,
    e.edition_no,
    e.signed_at,
    e.signed_by,
    e.note,
    e.run_id,
    e.copies_folder,
    coalesce(e.forced, false) as forced,
    e.force_reason,
    e.open_items,
    (select count(*) from marts.changes_since_signed as c where c.campaign_id = e.campaign_id) as changed_figures,
    (select count(*) from audit.edition_causes as x where x.campaign_id = e.campaign_id) as changes,
    (select count(*) from marts.changes_since_signed as c where c.campaign_id = e.campaign_id) = 0
        and (select count(*) from audit.edition_causes as x where x.campaign_id = e.campaign_id) = 0
        as same_as_signed
from audit.editions as e
where e.edition_no = (select max(x.edition_no) from audit.editions as x where x.campaign_id = e.campaign_id);
