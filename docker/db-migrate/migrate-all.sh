#!/bin/sh
# migrate-all <service> [up]
# Applies the service kit's migrations (table kit_schema_migrations) and then
# the service's own (table schema_migrations) to $DATABASE_URL, the same
# tables the services' built-in migrator uses. Exit 2 on bad usage.
set -eu

# The image keeps migrations in /migrations/<service> and /migrations/kit.
dir=${MIGRATIONS_DIR:-/migrations}

usage() { echo "usage: migrate-all <service> [up]   (DATABASE_URL in the environment)" >&2; exit 2; }

[ $# -ge 1 ] || usage
service=$1
command=${2:-up}
[ "$command" = up ] || { echo "db-migrate: only \"up\" runs unattended; use the migrate CLI for \"$command\"" >&2; exit 2; }
if [ "$service" = kit ] || [ ! -d "$dir/$service" ]; then
  echo "db-migrate: no migrations for \"$service\"; known: $(ls "$dir" | grep -vx kit | tr '\n' ' ')" >&2
  exit 2
fi
if [ -z "${DATABASE_URL:-}" ]; then
  echo "db-migrate: DATABASE_URL is not set" >&2
  exit 2
fi
case $DATABASE_URL in
  *\?*) separator='&' ;;
  *) separator='?' ;;
esac

echo "db-migrate: service kit migrations for $service (table kit_schema_migrations)"
migrate -path "$dir/kit" -database "${DATABASE_URL}${separator}x-migrations-table=kit_schema_migrations" up
echo "db-migrate: $service migrations (table schema_migrations)"
migrate -path "$dir/$service" -database "$DATABASE_URL" up
