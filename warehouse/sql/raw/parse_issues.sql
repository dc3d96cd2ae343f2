-- Problems found while reading one file, before anything is known of its unit.
create table if not exists raw.parse_issues (
    campaign_id varchar not null,
    sha256      varchar not null,
    severity    varchar not null,
    code        varchar not null,
    message     varchar not null,
    sheet       varchar,
    cell        varchar,
    raw_value   varchar,
    row_number  integer
);
