-- One row per distinct file received for a campaign (content-addressed: a byte-identical copy is one row),
-- and one per entry whose bytes were never read (ignored, unreadable, empty, refused in a bundle, a message
-- without attachment), keyed by its source and path instead.
create table if not exists raw.files (
    campaign_id    varchar not null,
    sha256         varchar not null,
    path           varchar not null,   -- where it was first seen, as kepu shows it
    extension      varchar,
    size           bigint not null,
    received_at    timestamp not null, -- the source's own time, Asia/Shanghai wall clock
    status         varchar not null,   -- read | rejected | ignored
    reason         varchar,            -- for rejected and ignored: why, in Chinese
    stored_as      varchar,            -- path of the kept copy, relative to the warehouse folder
    parser_version varchar,
    first_run_id   varchar not null,
    source         varchar default 'inbox',
    source_path    varchar,
    sender         varchar,
    forwarded_from varchar,
    subject        varchar,
    primary key (campaign_id, sha256)
);
-- Warehouses written before sources existed: the same columns, every earlier file from the inbox.
alter table raw.files alter column stored_as drop not null;
alter table raw.files add column if not exists source varchar default 'inbox';
alter table raw.files add column if not exists source_path varchar;
alter table raw.files add column if not exists sender varchar;
alter table raw.files add column if not exists forwarded_from varchar;
alter table raw.files add column if not exists subject varchar;
update raw.files set source_path = path where source_path is null;
