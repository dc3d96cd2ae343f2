-- The office's decisions (SPEC §3.9) as read from decisions.csv: one row per line, in file order.
create table if not exists core.decisions (
    campaign_id  varchar not null,
    line         integer not null,   -- line number in decisions.csv (the header is line 1)
    kind         varchar not null,   -- assign_unit | supplement | same_event | different_events | exclude_row | exclude_file | accept_on_time | correct_value | confirm
    file         varchar,            -- as written: a sha256 or a path as in raw.files
    file_sha256  varchar,            -- the file it names, resolved; null when no such file
    cell         varchar,
    unit_code    varchar,
    value        varchar,
    other_file   varchar,
    other_sha256 varchar,
    other_cell   varchar,
    reason       varchar,
    decided_by   varchar,
    decided_at   varchar,
    primary key (campaign_id, line)
);
