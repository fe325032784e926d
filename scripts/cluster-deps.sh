#!/usr/bin/env bash
# PostgreSQL server binaries for `abs-etl cluster up` (and the cluster test): Debian's
# `postgresql` package. Idempotent: exits 0 at once when initdb and pg_ctl are found. Installs
# only as root with apt-get, without creating or starting Debian's own `main` cluster (the
# abs-etl cluster runs a private one in its state folder); otherwise prints why it could not
# and exits 2, and the cluster test skips with that reason.
set -euo pipefail

find_initdb() {
  ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true
}

if [ -n "$(find_initdb)" ] || command -v initdb >/dev/null 2>&1; then
  echo "cluster-deps: PostgreSQL present ($(find_initdb || command -v initdb))"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "cluster-deps: PostgreSQL server binaries (initdb, pg_ctl) are missing and this is not root; install them with: sudo apt-get install -y postgresql" >&2
  exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "cluster-deps: PostgreSQL server binaries (initdb, pg_ctl) are missing and apt-get is not available (not a Debian system?)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
mkdir -p /etc/postgresql-common
if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
install() { apt-get install -y --no-install-recommends postgresql; }
if ! install; then
  apt-get update
  install
fi
if [ -z "$(find_initdb)" ]; then
  echo "cluster-deps: apt-get finished but initdb is still not found" >&2
  exit 2
fi
echo "cluster-deps: installed $("$(find_initdb)" --version)"
