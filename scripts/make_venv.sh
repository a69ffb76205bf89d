#!/usr/bin/env bash
# Create the project's virtual environment: scripts/make_venv.sh PYTHON VENV
#
# Debian's own python3.11 ships without ensurepip until the python3-venv package is installed
# ("ensurepip is not available"), so on a fresh Debian machine `python3 -m venv` fails. This
# script then installs that package from Debian (as root or with passwordless sudo, like
# scripts/install_chromium.sh) and tries again, so that `make run` and `make test` work there.
set -euo pipefail

python="$1"
venv="$2"

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
if "$python" -m venv "$venv" 2>"$errors"; then
    exit 0
fi
rm -rf "$venv"  # a failed attempt leaves a venv without pip
if ! grep -q "ensurepip" "$errors" || ! command -v apt-get >/dev/null 2>&1; then
    cat "$errors" >&2
    exit 1
fi

version="$("$python" -c 'import sys; print(f"{sys.version_info.major}.{sys.version_info.minor}")')"
install_cmd=(sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python${version}-venv")
echo "venv: $python has no ensurepip; installing Debian's python${version}-venv"
if [ "$(id -u)" -eq 0 ]; then
    "${install_cmd[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "${install_cmd[@]}"
else
    echo "error: $python cannot create a virtual environment; install python${version}-venv" \
        "(sudo apt-get install -y python${version}-venv) and run make again" >&2
    exit 1
fi
"$python" -m venv "$venv"
