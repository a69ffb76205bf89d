#!/usr/bin/env bash
# Make sure a system Chromium is available for the real-browser tests (tests/e2e).
#
# Playwright's own browser download does not work on this project's machines, so the tests
# launch Debian's Chromium instead (see tests/e2e/conftest.py). This script is idempotent:
# it does nothing when `chromium` is already on PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    echo "chromium: already installed ($(command -v chromium))"
    exit 0
fi

install_cmd=(sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium')

if [ "$(id -u)" -eq 0 ]; then
    "${install_cmd[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "${install_cmd[@]}"
else
    cat >&2 <<'MSG'
error: Chromium is needed for the browser tests (tests/e2e) but is not installed,
and this script cannot install it (not root, no passwordless sudo).
Install it yourself, e.g. on Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y chromium
or run only the non-browser tests with:  .venv/bin/pytest -m "not e2e"
MSG
    exit 1
fi

if ! command -v chromium >/dev/null 2>&1; then
    echo "error: apt-get finished but 'chromium' is still not on PATH" >&2
    exit 1
fi
echo "chromium: installed ($(command -v chromium))"
