-- One row per run of the nightly flow that wrote the warehouse (published or failed). A run that wrote nothing
-- (`unchanged`) is recorded beside the warehouse instead, and folded in here at the next publish; analysts
-- read both through the view audit.runs.
create table if not exists audit.run_log (
    run_id             varchar primary key,
    campaign_id        varchar not null,
    started_at         timestamp not null,
    finished_at        timestamp,
    files_seen         integer not null,
    files_new          integer not null,
    files_changed      integer not null,
    files_parsed       integer not null,
    files_rejected     integer not null,
    outcome            varchar not null,  -- published | unchanged | failed
    message            varchar,
    failed_sources     varchar[],         -- sources that could not be read this run (the run went on without them)
    files_fetched      integer,
    inputs_fingerprint varchar            -- what the published state was built from (see flows.nightly)
);
alter table audit.run_log add column if not exists failed_sources varchar[];
alter table audit.run_log add column if not exists files_fetched integer;
alter table audit.run_log add column if not exists inputs_fingerprint varchar;
