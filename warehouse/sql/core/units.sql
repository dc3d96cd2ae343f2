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
    email         varchar[],
    contact       varchar,
    primary key (campaign_id, unit_code)
);
alter table core.units add column if not exists email varchar[];
alter table core.units add column if not exists contact varchar;
