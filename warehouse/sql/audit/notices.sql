-- One row per notice kepu drafted or sent (SPEC §4 audit.notices): a unit's 回执, a 催报, the office's summary.
-- Keyed by the digest of what the notice says and to whom, so the same notice is never sent twice. Not
-- rebuilt by a run: rows are added and updated by the notices step after the run has been published.
create table if not exists audit.notices (
    notice_id       varchar primary key,
    campaign_id     varchar not null,
    kind            varchar not null,   -- receipt | chase | summary
    unit_code       varchar,
    unit_name       varchar,
    recipients      varchar[],
    subject         varchar not null,
    attachments     varchar[],
    status          varchar not null,   -- drafted | sent | failed | no_address
    is_current      boolean not null,
    attempts        integer not null,
    last_error      varchar,
    draft_path      varchar,
    first_run_id    varchar not null,
    last_run_id     varchar not null,
    created_at      timestamp not null,
    last_attempt_at timestamp,
    sent_at         timestamp
);
