# Sourced by scripts/install_chromium.sh and scripts/install_servers.sh: one way to run an install as root.
#
#   as_root HELP COMMAND...   runs COMMAND as root (directly, or with passwordless sudo); otherwise prints
#                             HELP (what is missing and how to install it by hand) and exits 1.
as_root() {
    local help="$1"
    shift
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        printf '%s\n' "$help" >&2
        exit 1
    fi
}
