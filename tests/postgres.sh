# shellcheck shell=bash
# A throwaway PostgreSQL for the test suite, so the PostgreSQL back end is tested on every run
# (CI and a newcomer's fresh Debian machine alike), never skipped for want of a server.
# Sourced by tests/run:
#   source tests/postgres.sh
#   steady_pg_start            # installs Debian's postgresql if needed, starts a cluster
#   trap steady_pg_stop EXIT   # stops it and deletes its directory
# steady_pg_start exports STEADY_TEST_DATABASE_URL (a role with CREATEDB; the conformance suite
# makes and drops one database per test) and STEADY_REQUIRE_POSTGRES=1 (so the PostgreSQL tests
# fail rather than skip if the server is not there).
# The cluster is for tests only: it listens on 127.0.0.1 alone, on a free port, trusts every
# local connection, and runs with fsync off (its data is thrown away) unless
# STEADY_PG_DURABLE=1 asks for PostgreSQL's durable defaults (the benchmarks do, so the
# PostgreSQL back end is measured as it would run, against a SQLite store with synchronous=FULL).

# The directory of the newest installed PostgreSQL's binaries (Debian keeps them off PATH).
_steady_pg_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  return 1
}

# Runs a PostgreSQL binary as the cluster's owner: initdb and the server refuse to run as root.
_steady_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True when nothing listens on 127.0.0.1:$1.
_steady_pg_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

steady_pg_start() {
  local bin
  if ! bin=$(_steady_pg_bindir); then
    echo "postgres.sh: installing Debian's postgresql" >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    bin=$(_steady_pg_bindir) || {
      echo "postgres.sh: postgresql installed but initdb/pg_ctl not found" >&2
      return 1
    }
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "postgres.sh: running as root needs the 'postgres' system user (Debian's postgresql package makes it)" >&2
    return 1
  fi

  STEADY_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/steady-pg.XXXXXX")
  export STEADY_PG_DIR STEADY_PG_BIN="$bin"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$STEADY_PG_DIR"
  fi
  # Trust authentication: a loopback-only cluster that lives for one test run.
  if ! _steady_pg_as_owner "$bin/initdb" -D "$STEADY_PG_DIR/data" -U postgres \
      --auth=trust -E UTF8 --no-locale >"$STEADY_PG_DIR/initdb.log" 2>&1; then
    cat "$STEADY_PG_DIR/initdb.log" >&2
    return 1
  fi

  local port attempt started="" speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${STEADY_PG_DURABLE:-}" = 1 ] && speed=""
  port=$((20000 + RANDOM % 20000))
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((port + attempt))
    _steady_pg_port_free "$port" || continue
    if _steady_pg_as_owner "$bin/pg_ctl" -D "$STEADY_PG_DIR/data" -l "$STEADY_PG_DIR/server.log" \
        -w -t 60 start -o "-c listen_addresses=127.0.0.1 -p $port \
        -c unix_socket_directories=$STEADY_PG_DIR -c max_connections=300 $speed" >/dev/null; then
      started=yes
      break
    fi
  done
  if [ -z "$started" ]; then
    echo "postgres.sh: the test PostgreSQL did not start; its log:" >&2
    cat "$STEADY_PG_DIR/server.log" >&2 || true
    return 1
  fi
  export STEADY_PG_PORT="$port"

  # A role that may create (and so drop) databases, without superuser, like a real deployment.
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE steady LOGIN CREATEDB" \
    -c "CREATE DATABASE steady OWNER steady" >/dev/null || return 1

  export STEADY_TEST_DATABASE_URL="postgres://steady@127.0.0.1:$port/steady"
  export STEADY_REQUIRE_POSTGRES=1
  echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

steady_pg_stop() {
  if [ -n "${STEADY_PG_DIR:-}" ] && [ -d "$STEADY_PG_DIR" ]; then
    if [ -f "$STEADY_PG_DIR/data/postmaster.pid" ]; then
      _steady_pg_as_owner "$STEADY_PG_BIN/pg_ctl" -D "$STEADY_PG_DIR/data" -m fast -w stop \
        >/dev/null 2>&1 || true
    fi
    rm -rf "$STEADY_PG_DIR"
  fi
  unset STEADY_PG_DIR STEADY_PG_BIN STEADY_PG_PORT STEADY_TEST_DATABASE_URL STEADY_REQUIRE_POSTGRES
}
