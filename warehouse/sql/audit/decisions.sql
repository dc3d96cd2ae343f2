-- 决定记录 (SPEC §3.9, §4): every line of decisions.csv with what it did at the last run — applied, recorded
-- (read by another rule: a supplement), stale (its target is gone, e.g. the unit sent a new version: nothing
-- done, a decision_stale warning) or invalid (the line cannot be a decision: a decision_invalid error) — and
-- that effect in Chinese (「已将第12行参与人数由40000改为4000」). Rebuilt with each run of its campaign.
create table if not exists audit.decisions (
    campaign_id  varchar not null,
    line         integer not null,   -- line number in decisions.csv (the header is line 1)
    kind         varchar,            -- as written (an invalid line's may be anything)
    kind_label   varchar,
    file         varchar,
    file_sha256  varchar,
    unit_code    varchar,            -- the unit the decision concerns (its file's unit, or the unit assigned)
    unit_name    varchar,
    cell         varchar,
    value        varchar,
    other_file   varchar,
    other_sha256 varchar,
    other_cell   varchar,
    reason       varchar,
    decided_by   varchar,
    decided_at   varchar,
    outcome      varchar not null,   -- applied | recorded | stale | invalid
    effect       varchar not null,   -- what it did, in Chinese
    primary key (campaign_id, line)
);
