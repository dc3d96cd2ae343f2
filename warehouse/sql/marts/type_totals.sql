-- 分类型: one row per activity form of a campaign (未分项 for summary-only units).
create or replace view marts.type_totals as
select
    campaign_id,
    activity_type,
    sum(activity_count)::bigint as activities,
    coalesce(sum(participants), 0)::bigint as participants,
    coalesce(sum(volunteers), 0)::bigint as volunteers,
    coalesce(sum(materials), 0)::bigint as materials,
    coalesce(sum(boards), 0)::bigint as boards,
    coalesce(sum(media_reports), 0)::bigint as media_reports,
    coalesce(sum(funding_wan), 0)::decimal(18, 2) as funding_wan
from marts.activities
group by all;
