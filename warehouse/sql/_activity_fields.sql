{#- The fields of one activity (SPEC §2.3) as raw.activity_rows and core.activities both hold them;
    `approximate` is the type of each measure's approximate flag there. #}
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
    {{ m.key }}_approx {{ approximate }},
{% endfor %}
