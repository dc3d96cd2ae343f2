-- One row per distinct file received for a campaign (content-addressed: a byte-identical copy is one row).
create table if not exists raw.files (
    campaign_id    varchar not null,
    sha256         varchar not null,
    path           varchar not null,   -- inbox-relative path where it was first seen
    extension      varchar,
    size           bigint not null,
    received_at    timestamp not null, -- file modification time in the inbox, Asia/Shanghai wall clock
    status         varchar not null,   -- read | rejected (could not be read at all)
    reason         varchar,            -- for rejected: why, in Chinese
    stored_as      varchar not null,   -- path of the kept copy, relative to the warehouse folder
    parser_version varchar,
    first_run_id   varchar not null,
    primary key (campaign_id, sha256)
);
