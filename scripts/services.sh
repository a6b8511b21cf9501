#!/usr/bin/env bash
# Make sure the test services answer: PostgreSQL (with the presales role, database and
# btree_gist) and Redis. Starts them when they are installed but down; never installs
# (that is .ci/run's job) and never pretends: exits non-zero saying how to install.
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PG_USER=${PG_USER:-presales}
PG_PASSWORD=${PG_PASSWORD:-presales}
PG_DB=${PG_DB:-presales}
REDIS_PORT=${REDIS_PORT:-6379}

fail() { echo "services.sh: $*" >&2; exit 1; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi
}

start_postgres() {
  if pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then return; fi
  command -v pg_lsclusters >/dev/null || fail "PostgreSQL is not installed. Install it: sudo apt-get install postgresql (or run: bash .ci/run)"
  local cluster
  cluster=$(pg_lsclusters --no-header | awk -v p="$PGPORT" '$3 == p {print $1" "$2; exit}')
  [ -n "$cluster" ] || fail "no PostgreSQL cluster on port $PGPORT. Create one: sudo pg_createcluster 15 main --start"
  # shellcheck disable=SC2086
  pg_ctlcluster $cluster start || fail "could not start PostgreSQL cluster $cluster"
  for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && return; sleep 1; done
  fail "PostgreSQL did not come up on $PGHOST:$PGPORT"
}

prepare_database() {
  # Idempotent: role (allowed to create the test databases), database, btree_gist in template1
  # so that every test database pytest creates has the extension too.
  as_postgres "psql -q -p $PGPORT -v ON_ERROR_STOP=1" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
\c template1
CREATE EXTENSION IF NOT EXISTS btree_gist;
\c $PG_DB
CREATE EXTENSION IF NOT EXISTS btree_gist;
SQL
}

start_redis() {
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return; fi
  command -v redis-server >/dev/null || fail "Redis is not installed. Install it: sudo apt-get install redis-server (or run: bash .ci/run)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no >/dev/null
  for _ in $(seq 1 20); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.5; done
  fail "Redis did not come up on port $REDIS_PORT"
}

start_postgres
prepare_database
start_redis
echo "services: PostgreSQL on $PGHOST:$PGPORT (database $PG_DB), Redis on 127.0.0.1:$REDIS_PORT"
