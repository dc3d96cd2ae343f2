-- Every (path, content) pair seen at a source, with the source entry it came in (the file itself, the bundle
-- it was packed in, the message it was attached to): how kepu tells new files from changed ones, and lists a
-- source without fetching what it has already seen.
create table if not exists raw.file_sightings (
    campaign_id  varchar not null,
    path         varchar not null,
    sha256       varchar not null,
    size         bigint not null,
    mtime        double not null,
    first_run_id varchar not null,
    last_run_id  varchar not null,
    source       varchar default 'inbox',
    source_path  varchar,
    entry_path   varchar,
    entry_size   bigint,
    change_token varchar,
    primary key (campaign_id, path, sha256)
);
alter table raw.file_sightings add column if not exists source varchar default 'inbox';
alter table raw.file_sightings add column if not exists source_path varchar;
alter table raw.file_sightings add column if not exists entry_path varchar;
alter table raw.file_sightings add column if not exists entry_size bigint;
alter table raw.file_sightings add column if not exists change_token varchar;
