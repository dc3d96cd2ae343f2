-- One row per campaign (a year's 全国科普日): its activity window and reporting deadline.
create table if not exists core.campaigns (
    campaign_id varchar primary key,
    name        varchar not null,
    start_date  date not null,
    end_date    date not null,
    deadline    date not null
);
