-- One row per activity form whose figures a narrative report (总结, SPEC §3.13) states, or 未分项 for the whole
-- unit's figures and what a stated total leaves beyond its forms: read from the sentences, cited by paragraph.
create table if not exists raw.text_figures (
    campaign_id   varchar not null,
    sha256        varchar not null,
    activity_type varchar not null,
    paragraph     integer not null,
    sentence      varchar not null,
{% for m in measures %}
    {{ m.key }} {{ m.type }},
    {{ m.key }}_approx boolean,
{% endfor %}
    cells         map(varchar, varchar),
    phrases       map(varchar, varchar),
    primary key (campaign_id, sha256, activity_type)
);
alter table raw.text_figures add column if not exists phrases map(varchar, varchar);
