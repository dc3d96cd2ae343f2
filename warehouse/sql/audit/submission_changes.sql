-- For each unit whose current submission replaced an earlier countable version: one row per total that
-- changed (activities, participants, …), from what to what.
create table if not exists audit.submission_changes (
    campaign_id      varchar not null,
    unit_code        varchar not null,
    file_sha256      varchar not null,   -- the current version
    version          integer not null,
    previous_sha256  varchar not null,   -- the version it replaced
    previous_version integer not null,
    measure          varchar not null,   -- activities | participants | volunteers | materials | boards | media_reports | funding_wan
    previous_value   decimal(18, 2) not null,
    current_value    decimal(18, 2) not null,
    change           decimal(18, 2) not null
);
