-- 报送版本所依据的文件: one row per signed edition and counted file per unit — what each unit counted when the
-- edition was signed (its current version, the supplements added to it, rows forwarded for it). Later changes
-- are explained against it (audit.edition_causes).
create table if not exists audit.edition_files (
    campaign_id  varchar not null,
    edition_no   integer not null,
    unit_code    varchar not null,
    file_sha256  varchar not null,
    file_path    varchar,
    role         varchar,            -- version | supplement
    forwarded_by varchar,
    received_at  timestamp,
    primary key (campaign_id, edition_no, unit_code, file_sha256)
);
