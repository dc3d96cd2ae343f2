-- The campaign being rebuilt, as every step reads it: its window, the sentence that names the window, and the
-- campaign before it in this warehouse (by start date), for the year-over-year check. Parameters:
-- $campaign_id, $window_text.
create or replace temp table _campaign as
select
    k.campaign_id,
    k.start_date,
    k.end_date,
    k.deadline,
    $window_text::varchar as window_text,
    (select p.campaign_id from core.campaigns as p
     where p.start_date < k.start_date
     order by p.start_date desc limit 1) as previous_campaign_id
from core.campaigns as k
where k.campaign_id = $campaign_id;
