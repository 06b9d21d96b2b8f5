create table campaigns (
  id uuid primary key,
  organizer_id text not null,
  title text not null,
  story text not null,
  beneficiary text not null,
  goal_amount bigint not null check (goal_amount > 0),
  goal_currency char(3) not null,
  status text not null check (status in ('draft', 'pending_review', 'active', 'paused', 'ended', 'suspended')),
  -- the status a suspended campaign returns to when reinstated
  suspended_from text check (suspended_from in ('pending_review', 'active', 'paused')),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- listing is newest first, keyset-paginated on (created_at, id)
create index campaigns_created on campaigns (created_at desc, id desc);
create index campaigns_status_created on campaigns (status, created_at desc, id desc);
create index campaigns_organizer_created on campaigns (organizer_id, created_at desc, id desc);

-- money raised, kept up to date by the donation.succeeded / donation.refunded consumers
create table campaign_totals (
  campaign_id uuid primary key references campaigns (id),
  currency char(3) not null,
  raised_amount bigint not null default 0 check (raised_amount >= 0),
  donation_count integer not null default 0 check (donation_count >= 0),
  updated_at timestamptz not null
);
