-- 报送版本的数字: one row per signed edition, level (city, district, unit, type), code and measure — every
-- figure the edition published (marts.published_figures as it was when signed), completeness included.
create table if not exists audit.edition_figures (
    campaign_id varchar not null,
    edition_no  integer not null,
    level       varchar not null,   -- city | district | unit | type
    code        varchar not null,   -- campaign_id (city), district_code, unit_code or activity_type
    name        varchar,            -- as shown when signed
    measure     varchar not null,
    value       decimal(18, 2) not null,
    primary key (campaign_id, edition_no, level, code, measure)
);
