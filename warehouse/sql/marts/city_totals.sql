-- 全市汇总: one row per campaign. units_reported counts expected units whose current submission is
-- accepted or partial; units_on_time those of them received by the deadline. Units not expected still
-- count in the sums.
create or replace view marts.city_totals as
select
    k.campaign_id,
    coalesce(sum(d.units_expected), 0)::bigint as units_expected,
    coalesce(sum(d.units_reported), 0)::bigint as units_reported,
    coalesce(sum(d.units_on_time), 0)::bigint as units_on_time,
    coalesce(sum(d.activities), 0)::bigint as activities,
    coalesce(sum(d.participants), 0)::bigint as participants,
    coalesce(sum(d.volunteers), 0)::bigint as volunteers,
    coalesce(sum(d.materials), 0)::bigint as materials,
    coalesce(sum(d.boards), 0)::bigint as boards,
    coalesce(sum(d.media_reports), 0)::bigint as media_reports,
    coalesce(sum(d.funding_wan), 0)::decimal(18, 2) as funding_wan
from core.campaigns as k
left join marts.district_totals as d on d.campaign_id = k.campaign_id
group by k.campaign_id;
