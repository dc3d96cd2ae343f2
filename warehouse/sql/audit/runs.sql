-- One row per run of the nightly flow.
create table if not exists audit.runs (
    run_id         varchar primary key,
    campaign_id    varchar not null,
    started_at     timestamp not null,
    finished_at    timestamp,
    files_seen     integer not null,
    files_new      integer not null,
    files_changed  integer not null,
    files_parsed   integer not null,
    files_rejected integer not null,
    outcome        varchar not null,  -- published | failed
    message        varchar,
    failed_sources varchar[],         -- sources that could not be read this run (the run went on without them)
    files_fetched  integer
);
alter table audit.runs add column if not exists failed_sources varchar[];
alter table audit.runs add column if not exists files_fetched integer;
