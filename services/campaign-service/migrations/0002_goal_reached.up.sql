-- When the raised total first reached the goal: campaign.goal_reached is sent once.
alter table campaign_totals add column if not exists goal_reached_at timestamptz;
