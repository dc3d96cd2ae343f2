-- Expected units whose files could only come from a source the last published run could not read: they are
-- `source_unavailable` rather than `missing` while nothing of theirs has arrived (transforms/channels.py).
create table if not exists core.source_unavailable (
    campaign_id varchar not null,
    unit_code   varchar not null,
    sources     varchar[] not null,
    primary key (campaign_id, unit_code)
);
