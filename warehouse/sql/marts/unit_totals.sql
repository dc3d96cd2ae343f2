-- 单位明细: one row per registered unit of a campaign, with what its current submission contributes.
create or replace view marts.unit_totals as
select
    u.campaign_id,
    u.unit_code,
    u.unit_name,
    u.unit_type,
    u.district_code,
    u.district_name,
    u.expected,
    s.status as submission_status,
    s.received_at,
    s.file_path,
    coalesce(sum(a.activity_count), 0)::bigint as activities,
    coalesce(sum(a.participants), 0)::bigint as participants,
    coalesce(sum(a.volunteers), 0)::bigint as volunteers,
    coalesce(sum(a.materials), 0)::bigint as materials,
    coalesce(sum(a.boards), 0)::bigint as boards,
    coalesce(sum(a.media_reports), 0)::bigint as media_reports,
    coalesce(sum(a.funding_wan), 0)::decimal(18, 2) as funding_wan
from core.units as u
left join core.submissions as s
    on s.campaign_id = u.campaign_id and s.unit_code = u.unit_code and s.is_current
left join marts.activities as a on a.campaign_id = u.campaign_id and a.unit_code = u.unit_code
group by all;
