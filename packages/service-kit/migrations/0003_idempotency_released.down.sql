delete from idempotency_keys where released_at is not null;
alter table idempotency_keys drop column if exists released_at;
