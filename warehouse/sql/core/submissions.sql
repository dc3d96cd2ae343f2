-- One row per received file of a campaign and unit: which unit sent it, its version among that unit's files,
-- whether it counts (the current version and the supplements added to it), and its status. A forwarded table
-- (SPEC §3.10) has a further row for each unit it credits rows to, `forwarded_by` naming the file's own unit:
-- the key is (campaign_id, file_sha256, unit_code), unit_code null only on a held file's one row.
create table if not exists core.submissions (
    campaign_id        varchar not null,
    file_sha256        varchar not null,
    file_path          varchar not null,
    unit_code          varchar,            -- null when unidentified or in conflict
    identified_by      varchar,            -- code | name | title | file_name | folder | sender
    claimed_unit_codes varchar[],          -- units the file's code cell and 填报单位 point at
    declared_code      varchar,
    declared_name      varchar,
    reported_at        date,               -- 填报日期
    received_at        timestamp not null,
    detail_sheet       varchar,
    status             varchar not null,   -- accepted | partial | rejected | unidentified | conflict
    activity_rows      integer not null,
    counted_rows       integer not null,
    rejected_rows      integer not null,
    version            integer,
    is_current         boolean not null,
    superseded_by      varchar,
    role               varchar default 'version',  -- version | supplement | forwarded (SPEC §3.2, §3.10)
    supplements        varchar,            -- a supplement's version (file_sha256); null for a version
    supplement_evidence varchar,           -- what marks it a supplement: its name, title or a note line, or a decision
    forwarded_by       varchar             -- the unit whose table forwarded these rows; null for a unit's own file
);
-- Warehouses made before supplements get their columns: every file of a campaign not rebuilt since was a
-- version (the current campaign's are rebuilt at the next run).
alter table core.submissions add column if not exists role varchar default 'version';
alter table core.submissions add column if not exists supplements varchar;
alter table core.submissions add column if not exists supplement_evidence varchar;
alter table core.submissions add column if not exists forwarded_by varchar;
