DROP TABLE IF EXISTS provider_events;
DROP TABLE IF EXISTS ledger_entries;
DROP TABLE IF EXISTS ledger_groups;
DROP TABLE IF EXISTS refunds;
DROP TABLE IF EXISTS donations;
