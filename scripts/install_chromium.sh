#!/usr/bin/env bash
# Make sure a system Chromium, and CJK fonts for it to draw Chinese with, are available for the
# real-browser tests (tests/e2e).
#
# Playwright's own browser download does not work on this project's machines, so the tests
# launch Debian's Chromium instead (see tests/e2e/conftest.py). Without a CJK font Chromium draws
# Chinese as empty boxes, and the Chinese-interface screenshot test checks real glyphs: Debian's
# fonts-noto-cjk. This script is idempotent: it does nothing when both are already there.
set -euo pipefail
# shellcheck source=scripts/apt_install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || packages+=(fonts-noto-cjk)
if [ ${#packages[@]} -eq 0 ]; then
    echo "chromium: already installed ($(command -v chromium)), with fonts-noto-cjk"
    exit 0
fi

install_cmd=(sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages[*]}")

as_root "$(cat <<'MSG'
error: Chromium and CJK fonts are needed for the browser tests (tests/e2e) but are not
installed, and this script cannot install them (not root, no passwordless sudo).
Install them yourself, e.g. on Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk
or run only the non-browser tests with:  .venv/bin/pytest -m "not e2e"
MSG
)" "${install_cmd[@]}"

if ! command -v chromium >/dev/null 2>&1; then
    echo "error: apt-get finished but 'chromium' is still not on PATH" >&2
    exit 1
fi
echo "chromium: installed ($(command -v chromium))"
