#!/usr/bin/env bash
# System packages the test suite needs beyond Python: Debian's `chromium` (headless, for the
# Prefect UI end-to-end test) and a CJK font so Chinese text renders in its screenshots.
#
# Idempotent: exits 0 at once when chromium is already on PATH. Installs only as root with
# apt-get; otherwise prints why it could not and exits 2, and the UI test skips with that
# reason. Called by the session fixture of tests/flows (tests/flows/conftest.py); safe to call
# from a Makefile or CI image build as well.
set -euo pipefail

PACKAGES=(chromium fonts-wqy-microhei)

find_chromium() {
  command -v chromium || command -v chromium-browser || true
}

if [ -n "$(find_chromium)" ]; then
  echo "system-deps: chromium present at $(find_chromium)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: chromium is missing and this is not root; install it with: sudo apt-get install -y ${PACKAGES[*]}" >&2
  exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: chromium is missing and apt-get is not available (not a Debian system?)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y --no-install-recommends "${PACKAGES[@]}"; }
# A fresh image has empty package lists: update once, then install.
if ! install; then
  apt-get update
  install
fi
if [ -z "$(find_chromium)" ]; then
  echo "system-deps: apt-get finished but chromium is still not on PATH" >&2
  exit 2
fi
echo "system-deps: installed $("$(find_chromium)" --version 2>/dev/null || echo chromium)"
