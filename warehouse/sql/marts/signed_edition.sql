-- 报送版本状态: one row per campaign with a signed edition — its last edition (第N版: when, by whom, the copies
-- kept), how many figures differ from it (marts.changes_since_signed) and how many changes lie behind the current
-- state (audit.edition_causes); `same_as_signed` when neither: the published state is the edition's.
-- Each of the two views it counts is planned once (a correlated count in the select list planned them twice each:
-- ~0.5 CPU-s per query on a 2-core machine, even with no edition at all).
create or replace view marts.signed_edition as
with latest as (
    select * from audit.editions as e
    where e.edition_no = (select max(x.edition_no) from audit.editions as x where x.campaign_id = e.campaign_id)
),
changed as (
    select c.campaign_id, count(*) as n from marts.changes_since_signed as c
    where c.campaign_id in (select campaign_id from latest)
    group by c.campaign_id
),
causes as (
    select x.campaign_id, count(*) as n from audit.edition_causes as x
    where x.campaign_id in (select campaign_id from latest)
    group by x.campaign_id
)
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
    coalesce(c.n, 0) as changed_figures,
    coalesce(x.n, 0) as changes,
    coalesce(c.n, 0) = 0 and coalesce(x.n, 0) = 0 as same_as_signed
from latest as e
left join changed as c on c.campaign_id = e.campaign_id
left join causes as x on x.campaign_id = e.campaign_id;
