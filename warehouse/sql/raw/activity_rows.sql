-- Every data row of every detail table, typed as parsed, before identity, versions and the window.
create table if not exists raw.activity_rows (
    campaign_id          varchar not null,
    sha256               varchar not null,
    source_sheet         varchar not null,
    source_row           integer not null,
    seq                  varchar,
{% with approximate="boolean" %}{% include "_activity_fields.sql" %}{% endwith %}
    activity_name_cell   varchar,
    start_date_cell      varchar,
    end_date_cell        varchar,   -- null when the end date shares the start date's cell (9月16日-18日) or is absent
    venue_cell           varchar,
    activity_type_cell   varchar,
    organizer_cell       varchar,
    partners_cell        varchar,
{% for m in metrics %}
    {{ m.key }}_cell varchar,
{% endfor %}
    row_status           varchar not null,
    reject_code          varchar,
    reporting_unit       varchar,   -- a forwarded table's unit column, as written (SPEC §3.10)
    reporting_unit_cell  varchar,
    repeat_of            varchar    -- `sheet:row` of the row an earlier sheet of the same unit holds (SPEC §2.3)
);
-- Warehouses made before the unit column was read get it (null for rows parsed then).
alter table raw.activity_rows add column if not exists reporting_unit varchar;
alter table raw.activity_rows add column if not exists reporting_unit_cell varchar;
-- Warehouses made before a workbook's second detail sheet was read get repeat_of (null for rows parsed then).
alter table raw.activity_rows add column if not exists repeat_of varchar;
-- Warehouses made before every column's cell was recorded get them (null until the file is parsed again).
{% for f in ("end_date", "venue", "activity_type", "organizer", "partners") %}
alter table raw.activity_rows add column if not exists {{ f }}_cell varchar;
{% endfor %}
