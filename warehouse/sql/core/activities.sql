-- One row per detail row of every submission, or one unitemized record for a summary-only submission.
-- `counted`: the row passes every row rule and falls in the campaign window. It reaches the totals
-- when its submission is current and it is not a copy of a joint activity (duplicate_of is null).
create table if not exists core.activities (
    activity_id          varchar not null,
    campaign_id          varchar not null,
    file_sha256          varchar not null,
    unit_code            varchar,
    source_file          varchar not null,
    source_sheet         varchar not null,
    source_row           integer,
    source_cell          varchar,           -- the activity-name cell, e.g. D12
{% with approximate="boolean not null" %}{% include "_activity_fields.sql" %}{% endwith %}
    activity_count       integer not null,  -- 1 for a detail row; 活动场次 for an unitemized record
    is_unitemized        boolean not null,
    row_status           varchar not null,  -- ok | rejected
    reject_code          varchar,
    in_window            boolean not null,
    counted              boolean not null,
    duplicate_of         varchar,
    primary key (campaign_id, activity_id)
);
-- A cell the office corrected (decisions.csv, correct_value): the field's name and the value as the file gave it,
-- in the same order; the field itself holds the corrected value (SPEC §3.9).
alter table core.activities add column if not exists corrected_fields varchar[];
alter table core.activities add column if not exists original_values varchar[];
-- A record read from a narrative report's sentences (SPEC §3.13): source_sheet 正文, source_cell 第N段, note the
-- sentence quoted. Warehouses made before get the column, false for their rows.
alter table core.activities add column if not exists from_text boolean default false;
