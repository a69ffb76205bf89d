#!/usr/bin/env bash
# Make sure Debian's redis-server and nginx (nginx-light) are available: the live-class tests start a
# real redis-server on a free loopback port (tests/redis_server.py), and the several-replica setup in
# deploy/ puts nginx in front of the app with one Redis.
#
# This script is idempotent: it does nothing when both are already there.
set -euo pipefail
# shellcheck source=scripts/apt_install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"

packages=()
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
if [ ${#packages[@]} -eq 0 ]; then
    echo "redis-server and nginx: already installed ($(command -v redis-server))"
    exit 0
fi

# Debian 12 has nginx-light; a release without it gets the plain nginx package instead.
fallback="${packages[*]/nginx-light/nginx}"
install_cmd=(sh -c "apt-get update && export DEBIAN_FRONTEND=noninteractive &&
    { apt-get install -y ${packages[*]} || apt-get install -y $fallback; }")

as_root "$(cat <<'MSG'
error: redis-server and nginx are needed for the live-class tests and deploy/ but are not
installed, and this script cannot install them (not root, no passwordless sudo).
Install them yourself, e.g. on Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y redis-server nginx-light
(the Redis tests skip, saying so, while redis-server is missing)
MSG
)" "${install_cmd[@]}"

if ! command -v redis-server >/dev/null 2>&1; then
    echo "error: apt-get finished but 'redis-server' is still not on PATH" >&2
    exit 1
fi
echo "redis-server and nginx: installed ($(command -v redis-server))"
