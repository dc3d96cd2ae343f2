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
{% for m in metrics %}
    {{ m.key }}_cell varchar,
{% endfor %}
    row_status           varchar not null,
    reject_code          varchar
);
