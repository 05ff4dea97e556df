#!/usr/bin/env bash
# Usage: bash scripts/with-services.sh CMD [ARG...]
#
# Runs CMD with the services the test tiers need and exits with CMD's status.
#   * MUSTER_TEST_POSTGRES_URL already set: CMD runs against that server, nothing is started.
#   * PostgreSQL binaries in /usr/lib/postgresql/*/bin: a throwaway cluster is created in a
#     temporary directory, started on a free localhost port (fsync off: the data is disposable),
#     MUSTER_TEST_POSTGRES_URL points at a fresh database in it, and the cluster and directory
#     are removed on exit, whatever CMD's outcome.
#   * Neither: CMD runs without the variable; PostgreSQL tests skip locally and fail under CI=true.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARG...]" >&2
    exit 2
fi

if [[ -n "${MUSTER_TEST_POSTGRES_URL:-}" ]]; then
    exec "$@"
fi

# The newest installed major version wins (sort -V orders 9.6 before 15).
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [[ -z "$pg_bin" || ! -x "$pg_bin/initdb" ]]; then
    echo "with-services: no PostgreSQL binaries in /usr/lib/postgresql/*/bin;" \
        "running without MUSTER_TEST_POSTGRES_URL (install them with 'make test-deps')" >&2
    exec "$@"
fi

# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user.
as_pg() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cluster_dir="$(mktemp -d -t muster-pg.XXXXXX)"
if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres: "$cluster_dir"
fi

cleanup() {
    if [[ -f "$cluster_dir/data/postmaster.pid" ]]; then
        as_pg "$pg_bin/pg_ctl" -D "$cluster_dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$cluster_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Ask the kernel for a free port; the tiny window before postgres binds it is acceptable here.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_pg "$pg_bin/initdb" -D "$cluster_dir/data" -U postgres --auth=trust --no-sync \
    --encoding=UTF8 --locale=C >"$cluster_dir/initdb.log" 2>&1 \
    || { cat "$cluster_dir/initdb.log" >&2; exit 1; }

# The socket lives in the cluster directory, so no system directory (/var/run/postgresql) is
# needed; only TCP on localhost is used by the tests.
if ! as_pg "$pg_bin/pg_ctl" -D "$cluster_dir/data" -l "$cluster_dir/server.log" -w -t 30 \
    -o "-p $port -k $cluster_dir -c listen_addresses=127.0.0.1 -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null; then
    cat "$cluster_dir/server.log" >&2
    exit 1
fi

as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres muster_test

export MUSTER_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/muster_test"
echo "with-services: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}')" \
    "at $MUSTER_TEST_POSTGRES_URL" >&2

status=0
"$@" || status=$?
exit "$status"
