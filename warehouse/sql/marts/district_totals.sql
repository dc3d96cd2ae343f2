-- 分区县: one row per district of a campaign (city-level units under the city's own code).
create or replace view marts.district_totals as
select
    ut.campaign_id,
    ut.district_code,
    ut.district_name,
    count(*) filter (where ut.expected) as units_expected,
    count(*) filter (where ut.expected and ut.submission_status is not null) as units_reported,
    count(*) filter (where ut.expected and ut.submission_status is not null
                     and cast(ut.received_at as date) <= k.deadline) as units_on_time,
    sum(ut.activities)::bigint as activities,
    sum(ut.participants)::bigint as participants,
    sum(ut.volunteers)::bigint as volunteers,
    sum(ut.materials)::bigint as materials,
    sum(ut.boards)::bigint as boards,
    sum(ut.media_reports)::bigint as media_reports,
    sum(ut.funding_wan)::decimal(18, 2) as funding_wan
from marts.unit_totals as ut
join core.campaigns as k on k.campaign_id = ut.campaign_id
group by all;
