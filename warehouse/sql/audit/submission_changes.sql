-- Each time what a unit counts changed — a new version replaced the earlier version and its supplements, or a
-- supplement added to its version: one row per total that changed (activities, participants, …), from what to
-- what.
create table if not exists audit.submission_changes (
    campaign_id      varchar not null,
    unit_code        varchar not null,
    file_sha256      varchar not null,   -- the file that changed it: a new version or a supplement
    version          integer not null,
    previous_sha256  varchar not null,   -- the version counted before (for a supplement, the version it adds to)
    previous_version integer not null,
    measure          varchar not null,   -- activities | participants | volunteers | materials | boards | media_reports | funding_wan
    previous_value   decimal(18, 2) not null,
    current_value    decimal(18, 2) not null,
    change           decimal(18, 2) not null,
    role             varchar             -- version (replaced) | supplement (added)
);
alter table audit.submission_changes add column if not exists role varchar;
