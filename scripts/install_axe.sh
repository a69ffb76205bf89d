#!/usr/bin/env bash
# Make sure axe-core, the accessibility checker the browser tests inject into every page
# (tests/e2e/axe.py), is in .cache/axe/ at the pinned version.
#
# `npm pack` downloads the package's tarball from the npm registry without installing anything
# (no node_modules); its checksum is checked against the one pinned here, then only axe.min.js
# and its licence are kept. npm comes from Debian when missing. Idempotent: nothing is
# downloaded when the pinned file is already there.
set -euo pipefail
# shellcheck source=scripts/apt_install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"

VERSION="4.14.1"
SHA256="e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745"  # axe-core-4.14.1.tgz
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.cache/axe/axe-core-$VERSION"

if [ -s "$DEST/axe.min.js" ]; then
    echo "axe-core: already installed ($DEST/axe.min.js)"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    as_root "$(cat <<'MSG'
error: npm is needed to fetch axe-core for the browser tests' accessibility checks, but it is
not installed and this script cannot install it (not root, no passwordless sudo).
Install it yourself, e.g. on Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y npm
or run only the non-browser tests with:  .venv/bin/pytest -m "not e2e"
MSG
)" sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y npm"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$VERSION" >/dev/null)
tarball="$work/axe-core-$VERSION.tgz"
echo "$SHA256  $tarball" | sha256sum --check --quiet
tar -xzf "$tarball" -C "$work" package/axe.min.js package/LICENSE
mkdir -p "$DEST"
mv "$work/package/LICENSE" "$DEST/LICENSE"
mv "$work/package/axe.min.js" "$DEST/axe.min.js"  # last: its presence means the install is whole
echo "axe-core: installed $VERSION ($DEST/axe.min.js)"
