-- Joint activities (SPEC §3.5), 4: each copy points at the kept copy; it stays in the warehouse and in its
-- unit's history, but not in the totals.
update core.activities as a
set duplicate_of = k.kept_id
from _joint_kept as k
where a.activity_id = k.activity_id
  and k.kept_id <> k.activity_id
  and a.campaign_id = (select campaign_id from _campaign);
