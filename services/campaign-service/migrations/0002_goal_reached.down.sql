alter table campaign_totals drop column if exists goal_reached_at;
