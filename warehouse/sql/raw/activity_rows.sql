-- Every data row of every detail table, typed as parsed, before identity, versions and the window.
create table if not exists raw.activity_rows (
    campaign_id          varchar not null,
    sha256               varchar not null,
    source_sheet         varchar not null,
    source_row           integer not null,
    seq                  varchar,
    activity_name        varchar,
    activity_type        varchar not null,
    activity_type_raw    varchar,
    start_date           date,
    end_date             date,
    venue                varchar,
    organizer            varchar,
    partners             varchar[],
{% for m in metrics %}
    {{ m.key }} {{ m.type }},
{% endfor %}
    note                 varchar,
{% for m in metrics %}
    {{ m.key }}_approx boolean,
{% endfor %}
    activity_name_cell   varchar,
    start_date_cell      varchar,
{% for m in metrics %}
    {{ m.key }}_cell varchar,
{% endfor %}
    row_status           varchar not null,
    reject_code          varchar
);
