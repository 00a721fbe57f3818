#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the PostgreSQL state-store tests (issue 16).
#
#   eval "$(bash .ci/postgres.sh start)"    # prints the export lines below, logs to stderr
#   cargo test --workspace                  # the Postgres tests read CIN7_SPARKLAYER_TEST_PG
#   bash .ci/postgres.sh stop "$CIN7_SPARKLAYER_PG_DIR"
#
# `start` installs Debian's `postgresql` package when no initdb/pg_ctl is found, initialises a
# cluster in a new temporary directory (data, socket, log and password file all inside it), starts
# it on a free loopback port (never 5432) with password authentication, creates the database
# `cin7_sparklayer_test`, and prints:
#   export CIN7_SPARKLAYER_TEST_PG=postgres://postgres:<random>@127.0.0.1:<port>/cin7_sparklayer_test
#   export CIN7_SPARKLAYER_PG_DIR=<the temporary directory>
# `stop DIR` stops that cluster at once and removes DIR.
#
# PostgreSQL refuses to run as root: as root (CI), the cluster runs as the `postgres` user
# (created by Debian's package), or as a system user `cin7pg` created when there is none.
set -euo pipefail

DB_NAME=cin7_sparklayer_test

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# The directory holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<ver>/bin
# (the newest version), which Debian does not put on PATH. Empty when there is none.
find_bin_dir() {
  local initdb pg_ctl dir
  initdb=$(command -v initdb || true)
  pg_ctl=$(command -v pg_ctl || true)
  if [[ -n "$initdb" && -n "$pg_ctl" ]]; then
    dirname "$(readlink -f "$pg_ctl")"
    return
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return
    fi
  done
}

# Installs Debian's server package without creating or starting its default cluster on 5432.
install_postgresql() {
  [[ $EUID -eq 0 ]] || die "initdb/pg_ctl not found and not root: install Debian's postgresql package"
  command -v apt-get >/dev/null || die "initdb/pg_ctl not found and no apt-get: install PostgreSQL"
  log "initdb/pg_ctl not found: installing Debian's postgresql package"
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold \
    postgresql >&2
}

# Runs a command as the cluster's owner: ourselves, or the unprivileged user when root.
as_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u "$OWNER" -- "$@"
  else
    "$@"
  fi
}

pick_owner() {
  OWNER=$(id -un)
  if [[ $EUID -eq 0 ]]; then
    OWNER=postgres
    if ! id postgres >/dev/null 2>&1; then
      OWNER=cin7pg
      id "$OWNER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER"
    fi
  fi
}

# A loopback port nothing listens on, from a random start in 20000–59999.
free_port() {
  local port=$((20000 + RANDOM % 40000)) tries
  for tries in $(seq 1 200); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
    port=$((port + 1))
  done
  die "no free loopback port found"
}

start() {
  local bin dir password port attempt
  bin=$(find_bin_dir)
  if [[ -z "$bin" ]]; then
    install_postgresql
    bin=$(find_bin_dir)
    [[ -n "$bin" ]] || die "installed postgresql but found no initdb/pg_ctl under /usr/lib/postgresql"
  fi
  pick_owner
  # Under /tmp, not $TMPDIR: the cluster's user must reach it, and the socket path must be short.
  dir=$(mktemp -d /tmp/cin7-sparklayer-pg.XXXXXX)
  chmod 700 "$dir"
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/pwfile"
  if [[ $EUID -eq 0 ]]; then chown -R "$OWNER" "$dir"; fi
  log "initialising a cluster in $dir with $bin ($("$bin/postgres" --version))"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pwfile" >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
  rm -f "$dir/pwfile"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # Throwaway data: no fsync. Sockets in the temp dir, TCP only on loopback.
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      >&2; then
      break
    fi
    tail -n 5 "$dir/server.log" >&2 || true
    [[ $attempt -lt 5 ]] || { rm -rf "$dir"; die "the server did not start (log above)"; }
    log "port $port refused; trying another"
  done
  echo "$bin" >"$dir/bin"
  if ! as_owner "$bin/createdb" -h "$dir" -p "$port" -U postgres "$DB_NAME"; then
    stop "$dir"
    die "createdb failed; the cluster was stopped"
  fi
  log "PostgreSQL is up on 127.0.0.1:$port (database $DB_NAME); stop it with: bash .ci/postgres.sh stop $dir"
  echo "export CIN7_SPARKLAYER_TEST_PG=postgres://postgres:$password@127.0.0.1:$port/$DB_NAME"
  echo "export CIN7_SPARKLAYER_PG_DIR=$dir"
}

stop() {
  local dir=${1:-}
  [[ -n "$dir" && -d "$dir/data" && -f "$dir/bin" ]] || die "usage: postgres.sh stop DIR (a directory made by start)"
  OWNER=$(stat -c %U "$dir/data")
  as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) die "usage: postgres.sh start | stop DIR" ;;
esac
