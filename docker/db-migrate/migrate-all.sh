#!/bin/sh
# migrate-all <service> [up]
# Applies the service kit's migrations (table kit_schema_migrations) and then
# the service's own (table schema_migrations) to $DATABASE_URL, the same
# tables the services' built-in migrator uses. Exit 2 on bad usage.
set -eu

# The image keeps migrations in /migrations/<service> and /migrations/kit.
dir=${MIGRATIONS_DIR:-/migrations}

usage() { echo "usage: migrate-all <service> [up]   (DATABASE_URL in the environment)" >&2; exit 2; }

# Highest version among the files of $1 (0 when there are none).
latest_version() {
  latest=$(ls "$1" | sed -n -E 's/^0*([0-9]+)_.*\.(up|down)\..*$/\1/p' | sort -n | tail -n 1)
  echo "${latest:-0}"
}

# up <table> <migrations folder> <database URL>: `migrate up`, except that a
# database ahead of these files is nothing to do. That is an older image run
# after a newer one (a rollback), and golang-migrate fails there with "no
# migration found for version N", which would fail the Sync hook and keep the
# rollback from ever reaching the cluster. The output is captured (the root
# filesystem is read-only, so no temporary file) and printed afterwards.
up() {
  status=0
  output=$(migrate -path "$2" -database "$3" up 2>&1) || status=$?
  if [ "$status" -eq 0 ]; then
    [ -z "$output" ] || printf '%s\n' "$output"
    return 0
  fi
  version=$(printf '%s\n' "$output" | sed -n 's/.*no migration found for version \([0-9][0-9]*\):.*/\1/p' | head -n 1)
  latest=$(latest_version "$2")
  if [ -n "$version" ] && [ "$version" -gt "$latest" ]; then
    echo "db-migrate: $service ($1): the database is at version $version, ahead of these migrations (latest $latest): nothing to do"
    return 0
  fi
  printf '%s\n' "$output" >&2
  return "$status"
}

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
up kit_schema_migrations "$dir/kit" "${DATABASE_URL}${separator}x-migrations-table=kit_schema_migrations"
echo "db-migrate: $service migrations (table schema_migrations)"
up schema_migrations "$dir/$service" "$DATABASE_URL"
