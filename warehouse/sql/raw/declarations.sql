-- What each readable file says about itself: 单位代码, 填报单位, 填报日期 (with the cells they sit in).
create table if not exists raw.declarations (
    campaign_id         varchar not null,
    sha256              varchar not null,
    declared_code       varchar,
    declared_code_cell  varchar,
    declared_code_sheet varchar,
    declared_name       varchar,
    declared_name_cell  varchar,
    declared_name_sheet varchar,
    reported_at         date,
    detail_sheet        varchar,
    summary_sheet       varchar,
    declared_title       varchar,
    declared_title_sheet varchar,
    declared_title_cell  varchar,
    supplement_note       varchar,   -- a line of commentary holding 补报/补充/增报/续报 (SPEC §3.2), as written
    supplement_note_sheet varchar,
    supplement_note_cell  varchar,
    primary key (campaign_id, sha256)
);
-- Warehouses made before the title row was read get its columns (null for files parsed then).
alter table raw.declarations add column if not exists declared_title varchar;
alter table raw.declarations add column if not exists declared_title_sheet varchar;
alter table raw.declarations add column if not exists declared_title_cell varchar;
-- Warehouses made before supplements were read get the note's columns (null for files parsed then).
alter table raw.declarations add column if not exists supplement_note varchar;
alter table raw.declarations add column if not exists supplement_note_sheet varchar;
alter table raw.declarations add column if not exists supplement_note_cell varchar;
