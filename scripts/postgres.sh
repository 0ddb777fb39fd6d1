#!/usr/bin/env bash
# Start (or stop) the local PostgreSQL 15 used by the tests, and make sure the test role
# and database exist. The password comes from ML_MONITOR_PG_PASSWORD (never stored).
set -euo pipefail
action="${1:-start}"
: "${ML_MONITOR_PG_USER:=ml_monitor}"
: "${ML_MONITOR_PG_DBNAME:=ml_monitor}"

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi; }

if [ "$action" = stop ]; then
  pg_ctlcluster 15 main stop 2>/dev/null || true
  exit 0
fi
: "${ML_MONITOR_PG_PASSWORD:?set ML_MONITOR_PG_PASSWORD}"

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "postgres.sh: installing PostgreSQL" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "postgres.sh: PostgreSQL did not start" >&2; exit 1; }

# role and database (idempotent); the password is passed through the environment, not argv
export PGPASSWORD_NEW="$ML_MONITOR_PG_PASSWORD"
as_postgres "psql -q -v ON_ERROR_STOP=1 -v user='$ML_MONITOR_PG_USER' -v pw=\"\$PGPASSWORD_NEW\"" <<'SQL' >/dev/null
select format('create role %I login', :'user') where not exists (select 1 from pg_roles where rolname = :'user') \gexec
select format('alter role %I with login password %L', :'user', :'pw') \gexec
SQL
as_postgres "psql -q -tAc \"select 1 from pg_database where datname = '$ML_MONITOR_PG_DBNAME'\"" | grep -q 1 \
  || as_postgres "createdb -O '$ML_MONITOR_PG_USER' '$ML_MONITOR_PG_DBNAME'"
echo "postgres.sh: PostgreSQL $version ready on 127.0.0.1:5432 (role $ML_MONITOR_PG_USER)" >&2
