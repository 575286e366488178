#!/usr/bin/env bash
# Sets up what cuaso needs on a fresh Debian/Ubuntu machine, idempotently:
#   1. a virtual env in .venv with cuaso, every extra and the dev tools at the versions pinned in
#      constraints.txt (re-installed when pyproject.toml or constraints.txt changes);
#   2. a redis-server binary and the programs named on the command line: found on PATH, else installed
#      with one apt-get call when running as root or with passwordless sudo (hosted CI runners such as
#      GitHub's ubuntu-* images), else one message listing every missing package in a single
#      `sudo apt-get install ...` line (so a person fixes it in one round, not one per package).
#      CUASO_BOOTSTRAP_SUDO=0 never calls sudo.
# Usage: scripts/bootstrap.sh [PROGRAM[:PACKAGE]...]   (the Makefile calls it before each target)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

say() { printf 'bootstrap: %s\n' "$*" >&2; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "cuaso needs Python >= 3.11; '$PYTHON' is $("$PYTHON" --version 2>&1 || echo missing)."
    say "Set PYTHON=/path/to/python3.11 and run again."
    exit 1
fi

# How apt-get runs here: as root, through passwordless sudo (`sudo -n`: never asks for a password), or not.
AS_ROOT=()
can_apt() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" = 0 ] && return 0
    [ "${CUASO_BOOTSTRAP_SUDO:-1}" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null \
        && AS_ROOT=(sudo -n) && return 0
    return 1
}

apt_update_once() {
    if [ ! -f /tmp/.cuaso-apt-updated ]; then
        "${AS_ROOT[@]}" apt-get update -qq && touch /tmp/.cuaso-apt-updated
    fi
}

apt_install() {
    "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtual env in $VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        # Debian and Ubuntu ship venv apart from Python: python3-venv (or python3.X-venv).
        venv_pkg="python3-venv"
        if can_apt; then
            say "python -m venv failed; installing $venv_pkg with ${AS_ROOT[*]:+${AS_ROOT[*]} }apt-get"
            apt_update_once
            apt_install "$venv_pkg" >/dev/null || say "apt-get could not install $venv_pkg"
        fi
        "$PYTHON" -m venv "$VENV" || {
            say "python -m venv failed; on Debian/Ubuntu: sudo apt-get install -y $venv_pkg"
            exit 1
        }
    fi
fi

stamp="$VENV/.cuaso-installed"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing cuaso and its dependencies into $VENV (once per change of pyproject.toml or constraints.txt)"
    # pip's own warnings about unreachable extra indexes are noise here; errors still show and fail.
    "$VENV/bin/python" -m pip install --quiet -c constraints.txt -e '.[dev]' 2>&1 \
        | { grep -vE "is ignored: it is neither|BuildBackendWarning|Editable installation|^ *(!!|\*+|return|corresp|with strategy|Please|By 20|See https|name as your)" || true; }
    echo "$want" > "$stamp"
fi

# Every program this target needs, as PROGRAM:DEBIAN_PACKAGE: redis-server always, then the arguments
# (PROGRAM or PROGRAM:PACKAGE, e.g. `wrk` for make bench, `promtool:prometheus` for the dashboard tests).
missing=()
for spec in redis-server "$@"; do
    tool=${spec%%:*}
    pkg=${spec#*:}
    if ! command -v "$tool" >/dev/null 2>&1; then
        case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    if can_apt; then
        say "installing ${missing[*]} with ${AS_ROOT[*]:+${AS_ROOT[*]} }apt-get"
        apt_update_once
        apt_install "${missing[@]}" >/dev/null
    else
        say "missing programs; install them (Debian/Ubuntu) in one go, then run again:"
        say "  sudo apt-get install -y ${missing[*]}"
        say "(elsewhere: redis-server >= 6.2 on PATH, e.g. 'brew install redis'; the others as your system packages them)"
        exit 1
    fi
fi
# Debian's package starts a system-wide server on 6379; cuaso never uses it (it starts its own on a
# free port), so it is left alone.
exit 0
