-- The figures of a file's 汇总表 (unit summary) sheet, one row per file that has one.
create table if not exists raw.summary_figures (
    campaign_id   varchar not null,
    sha256        varchar not null,
    sheet         varchar not null,
    activities    bigint,
    participants  bigint,
    volunteers    bigint,
    materials     bigint,
    boards        bigint,
    media_reports bigint,
    funding_wan   decimal(14, 2),
    cells         map(varchar, varchar),
    primary key (campaign_id, sha256)
);
