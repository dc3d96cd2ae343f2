-- 报送版本 (SPEC §3.12): one row per signed edition of a campaign (第N版) — who signed it and when, the run whose
-- published state it is, and the city totals as sent. Written only by `kepu sign`; no run, rebuild or rollback
-- alters a row (the publisher carries the edition tables into every state it publishes).
create table if not exists audit.editions (
    campaign_id    varchar not null,
    edition_no     integer not null,   -- 第N版, from 1 per campaign
    signed_at      timestamp not null, -- Beijing time
    signed_by      varchar not null,
    note           varchar,
    run_id         varchar,            -- the run whose published state was signed (audit.runs.run_id)
    copies_folder  varchar,            -- where the upward deliverables were kept, relative to [paths] out
    forced         boolean,            -- signed with --force while open items weighed more than [sign] open_share
    force_reason   varchar,            -- the --reason given for it
    open_items     varchar,            -- those items, in Chinese, as they stood when signed
    units_expected bigint,
    units_reported bigint,
    units_on_time  bigint,
{% for m in measures %}
    {{ m.key }} {{ m.total_type }},
{% endfor %}
    primary key (campaign_id, edition_no)
);
-- Warehouses whose editions were signed before a forced signing was recorded get the columns (null: not forced).
alter table audit.editions add column if not exists forced boolean;
alter table audit.editions add column if not exists force_reason varchar;
alter table audit.editions add column if not exists open_items varchar;
