-- The figures of a file's 汇总表 (unit summary) sheet, one row per file that has one.
create table if not exists raw.summary_figures (
    campaign_id   varchar not null,
    sha256        varchar not null,
    sheet         varchar not null,
{% for m in measures %}
    {{ m.key }} {{ m.type }},
{% endfor %}
    cells         map(varchar, varchar),
    primary key (campaign_id, sha256)
);
