-- The unit registry as it stood for a campaign: one row per reporting unit, with the district it reports under.
create table if not exists core.units (
    campaign_id   varchar not null,
    unit_code     varchar not null,
    unit_name     varchar not null,
    unit_type     varchar not null,
    parent_code   varchar,
    aliases       varchar[],
    expected      boolean not null,
    district_code varchar not null,
    district_name varchar not null,
    primary key (campaign_id, unit_code)
);
