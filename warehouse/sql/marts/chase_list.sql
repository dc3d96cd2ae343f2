-- 催报名单: expected units with nothing counted yet — missing (nothing came) or held (a file came but was
-- rejected or could not be attributed) — with their district, for the office to chase.
create or replace view marts.chase_list as
select campaign_id, district_code, district_name, unit_code, unit_name, unit_type, status, file_path, held_reason, held_detail
from marts.completeness
where status in ('missing', 'held')
order by campaign_id, district_code, status desc, unit_code;
