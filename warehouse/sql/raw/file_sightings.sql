-- Every (path, content) pair seen in the inbox: how kepu tells new files from changed ones and skips
-- hashing files whose size and modification time it already knows.
create table if not exists raw.file_sightings (
    campaign_id  varchar not null,
    path         varchar not null,
    sha256       varchar not null,
    size         bigint not null,
    mtime        double not null,
    first_run_id varchar not null,
    last_run_id  varchar not null,
    primary key (campaign_id, path, sha256)
);
