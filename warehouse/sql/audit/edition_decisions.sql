-- 报送版本所依据的决定: one row per signed edition and decision in effect when it was signed (audit.decisions
-- applied or recorded), identified by what it decides rather than by its line.
create table if not exists audit.edition_decisions (
    campaign_id  varchar not null,
    edition_no   integer not null,
    line         integer not null,
    kind         varchar not null,
    kind_label   varchar,
    file_sha256  varchar,
    unit_code    varchar,
    cell         varchar,
    value        varchar,
    other_sha256 varchar,
    other_cell   varchar,
    reason       varchar,
    effect       varchar,
    primary key (campaign_id, edition_no, line)
);
