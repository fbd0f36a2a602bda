#!/usr/bin/env bash
# Start, stop and inspect a throwaway PostgreSQL cluster built from Debian's server binaries.
#
#   postgres.sh start    initdb in PG_DATA_DIR (once), start on 127.0.0.1:PG_PORT, create one
#                        database per service (PG_DATABASES)
#   postgres.sh stop     stop the server
#   postgres.sh destroy  stop the server and remove PG_DATA_DIR
#   postgres.sh status   print whether the server runs and where
#
# Settings (environment):
#   PG_PORT        port on 127.0.0.1                              (default 5433)
#   PG_DATA_DIR    cluster directory                              (default ./var/postgres)
#   PG_DATABASES   databases to create                            (default "registry promotion environment reporting")
#   PG_BIN_DIR     directory of initdb/pg_ctl                     (default: newest /usr/lib/postgresql/*/bin)
# The superuser is "ccn" with password "ccn"; connect with
#   postgresql+asyncpg://ccn:ccn@127.0.0.1:$PG_PORT/<database>
set -euo pipefail

PG_PORT="${PG_PORT:-5433}"
PG_DATA_DIR="${PG_DATA_DIR:-$PWD/var/postgres}"
PG_DATABASES="${PG_DATABASES:-registry promotion environment reporting}"

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bin_dir() {
  if [[ -n "${PG_BIN_DIR:-}" ]]; then echo "$PG_BIN_DIR"; return; fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [[ -z "$dir" ]]; then
    die "PostgreSQL server binaries not found: install them (Debian: apt-get install postgresql) or set PG_BIN_DIR"
  fi
  echo "$dir"
}

# initdb and postgres refuse to run as root: run them as the owner of the data dir.
as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    command -v runuser >/dev/null || die "running as root needs runuser (util-linux) to drop to the postgres user"
    runuser -u "${PG_OS_USER:-postgres}" -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin; bin="$(find_bin_dir)"
  mkdir -p "$PG_DATA_DIR"
  if [[ "$(id -u)" == "0" ]]; then
    id -u "${PG_OS_USER:-postgres}" >/dev/null 2>&1 || die "user ${PG_OS_USER:-postgres} missing (it comes with Debian's postgresql package)"
    chown "${PG_OS_USER:-postgres}" "$PG_DATA_DIR"
    as_owner test -w "$PG_DATA_DIR" \
      || die "user ${PG_OS_USER:-postgres} cannot reach $PG_DATA_DIR: let it traverse the parent directories (chmod o+x) or pick another PG_DATA_DIR"
  fi
  if [[ ! -f "$PG_DATA_DIR/cluster/PG_VERSION" ]]; then
    local pwfile; pwfile="$PG_DATA_DIR/.pw"
    echo ccn > "$pwfile"
    [[ "$(id -u)" == "0" ]] && chown "${PG_OS_USER:-postgres}" "$pwfile"
    as_owner "$bin/initdb" -D "$PG_DATA_DIR/cluster" -U ccn --pwfile="$pwfile" -A scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 > "$PG_DATA_DIR/initdb.log" 2>&1 \
      || die "initdb failed: $(tail -5 "$PG_DATA_DIR/initdb.log")"
    rm -f "$pwfile"
  fi
  if ! as_owner "$bin/pg_ctl" -D "$PG_DATA_DIR/cluster" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$PG_DATA_DIR/cluster" -l "$PG_DATA_DIR/server.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DATA_DIR -c fsync=${PG_FSYNC:-on} -c max_connections=200" >/dev/null \
      || die "server did not start: $(tail -5 "$PG_DATA_DIR/server.log")"
  fi
  local db
  for db in $PG_DATABASES; do
    if ! PGPASSWORD=ccn psql -h 127.0.0.1 -p "$PG_PORT" -U ccn -d postgres -tAc \
         "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      PGPASSWORD=ccn psql -h 127.0.0.1 -p "$PG_PORT" -U ccn -d postgres -qc "CREATE DATABASE \"$db\"" >/dev/null
    fi
  done
  echo "postgres.sh: PostgreSQL running on 127.0.0.1:$PG_PORT (user ccn), databases: $PG_DATABASES"
}

stop() {
  local bin; bin="$(find_bin_dir)"
  if [[ -f "$PG_DATA_DIR/cluster/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$PG_DATA_DIR/cluster" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$PG_DATA_DIR/cluster" -m fast -w stop >/dev/null
    echo "postgres.sh: stopped"
  else
    echo "postgres.sh: not running"
  fi
}

status() {
  local bin; bin="$(find_bin_dir)"
  if [[ -f "$PG_DATA_DIR/cluster/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$PG_DATA_DIR/cluster" status >/dev/null 2>&1; then
    echo "postgres: running on 127.0.0.1:$PG_PORT, data in $PG_DATA_DIR"
  else
    echo "postgres: stopped (data dir $PG_DATA_DIR)"; return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$PG_DATA_DIR"; echo "postgres.sh: removed $PG_DATA_DIR" ;;
  status) status ;;
  *) echo "usage: $0 start|stop|destroy|status" >&2; exit 2 ;;
esac
