-- The office's decisions (SPEC §3.9), 5, after the joint-activity rule: two rows of current versions that the
-- office says are one event (`same_event`) or two (`different_events`). Each pair is judged on the rows as the
-- rule left them; _decision_pairs keeps what each decision found, for decisions_audit to say.
create or replace temp table _decision_pairs as
select
    d.line,
    d.kind,
    d.activity_id as row_id,
    d.other_activity_id as other_id,
    a.duplicate_of as row_duplicate_of,
    b.duplicate_of as other_duplicate_of,
    coalesce(a.duplicate_of, a.activity_id) as row_root,
    coalesce(b.duplicate_of, b.activity_id) as other_root,
    sa.is_current and sb.is_current and a.counted and b.counted as usable
from _decisions as d
join core.activities as a on a.campaign_id = d.campaign_id and a.activity_id = d.activity_id
join core.activities as b on b.campaign_id = d.campaign_id and b.activity_id = d.other_activity_id
join core.submissions as sa on sa.campaign_id = a.campaign_id and sa.file_sha256 = a.file_sha256
    and sa.unit_code is not distinct from a.unit_code
join core.submissions as sb on sb.campaign_id = b.campaign_id and sb.file_sha256 = b.file_sha256
    and sb.unit_code is not distinct from b.unit_code
where d.kind in ('same_event', 'different_events');

-- different_events: a row the rule made a copy of the other (directly, or both copies of one kept row: then the
-- other one) counts on its own again.
update core.activities as a
set duplicate_of = null
from _decision_pairs as p
where p.kind = 'different_events' and p.usable and p.row_root = p.other_root
  and a.activity_id = case when p.row_duplicate_of = p.other_id then p.row_id else p.other_id end
  and a.campaign_id = (select campaign_id from _campaign);
update _joint_kept as k
set kept_id = k.activity_id
from _decision_pairs as p
where p.kind = 'different_events' and p.usable and p.row_root = p.other_root
  and k.activity_id = case when p.row_duplicate_of = p.other_id then p.row_id else p.other_id end;

-- same_event: the other row (and any copy of it) becomes a copy of the row named first, or of the row that
-- one is itself a copy of, so a copy still points at a kept row directly.
update core.activities as a
set duplicate_of = p.row_root
from _decision_pairs as p
where p.kind = 'same_event' and p.usable and p.row_root <> p.other_root
  and (a.activity_id = p.other_root or a.duplicate_of = p.other_root)
  and a.campaign_id = (select campaign_id from _campaign);
