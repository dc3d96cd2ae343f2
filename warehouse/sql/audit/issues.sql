-- Every problem found, one row per problem and place (SPEC §3.6): rebuilt with each run of its campaign.
create table if not exists audit.issues (
    campaign_id varchar not null,
    issue_no    integer not null,
    severity    varchar not null,   -- error | warning | info
    code        varchar not null,   -- stable code, see schemas/issues.py
    message     varchar not null,   -- Chinese, for the office and the reporting unit
    unit_code   varchar,
    unit_name   varchar,
    file_sha256 varchar,
    file_path   varchar,
    sheet       varchar,
    cell        varchar,            -- A1 address as Excel shows it in the original sheet
    raw_value   varchar,
    row_number  integer,
    is_current_version boolean     -- whether the file is its unit's current version (SPEC §3.11)
);
alter table audit.issues add column if not exists is_current_version boolean;
