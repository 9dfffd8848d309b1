#!/usr/bin/env bash
# What the test suite needs besides npm packages: Debian's chromium for the console tests (never a
# browser download). Installs it when missing and we may (root + apt); otherwise says what to do.
set -u
if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test-prereqs: installing Debian's chromium for the console browser tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    && echo "test-prereqs: $(chromium --version)" && exit 0
  echo "test-prereqs: apt-get install chromium failed" >&2
  exit 1
fi
echo "test-prereqs: chromium is missing; install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH. The console browser tests need it." >&2
exit 0
