#!/usr/bin/env bash
# The CSS and JavaScript of Great Expectations' Data Docs, installed from the npm registry at
# the versions the pages ask for (expectations/data_docs_assets/package.json, pinned by its
# package-lock.json), so data/dq_docs/index.html renders offline. expectations/data_docs.py
# copies them beside each site it builds. `make install` runs this script.
#
# Idempotent: does nothing when node_modules already matches the lock file. Needs npm (Debian:
# `apt-get install npm`; installed here when running as root with apt-get). Without npm it
# exits 2 with the reason; the Data Docs then still build, but need internet to render.
set -euo pipefail
cd "$(dirname "$0")/../expectations/data_docs_assets"

stamp=node_modules/.abs-etl-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "data-docs assets: up to date"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends npm || { apt-get update && apt-get install -y --no-install-recommends npm; }
  else
    echo "data-docs assets: npm is missing; install it (e.g. sudo apt-get install -y npm) and run $0 again" >&2
    exit 2
  fi
fi
# --ignore-scripts: these are static files; no package may run code at install time.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "data-docs assets: installed $(ls node_modules | wc -l) packages into $(pwd)/node_modules"
