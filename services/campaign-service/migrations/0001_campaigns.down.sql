drop table if exists campaign_totals;
drop table if exists campaigns;
