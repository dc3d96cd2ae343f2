-- SPEC §3.2, §3.3: each countable version a newer one supersedes; an identified, readable file in which
-- nothing counts.
select s.file_sha256 as sha256,
       {{ issue("submission_superseded", newer="c.file_path || '，第' || c.version || '版'") }}
from core.submissions as s
join _campaign as k on k.campaign_id = s.campaign_id
join core.submissions as c on c.campaign_id = s.campaign_id and c.file_sha256 = s.superseded_by
union all by name
select s.file_sha256 as sha256, {{ issue("submission_empty") }}
from core.submissions as s
join _campaign as k on k.campaign_id = s.campaign_id
join _files as f on f.sha256 = s.file_sha256
where s.status = 'rejected' and f.readable and f.resolution = 'identified'
