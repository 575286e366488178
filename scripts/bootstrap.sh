#!/usr/bin/env bash
# Sets up what cuaso needs on a fresh Debian/Ubuntu machine, idempotently:
#   1. a virtual env in .venv with cuaso and its dev tools (re-installed when pyproject.toml changes);
#   2. a redis-server binary: found on PATH, else installed with apt-get when running as root,
#      else a clear message saying how to get one.
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

if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtual env in $VENV"
    "$PYTHON" -m venv "$VENV" || {
        say "python -m venv failed; on Debian/Ubuntu install it with: apt-get install python3-venv"
        exit 1
    }
fi

stamp="$VENV/.cuaso-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing cuaso and its dependencies into $VENV (once per change of pyproject.toml)"
    # pip's own warnings about unreachable extra indexes are noise here; errors still show and fail.
    "$VENV/bin/python" -m pip install --quiet -e '.[dev]' 2>&1 \
        | { grep -vE "is ignored: it is neither|BuildBackendWarning|Editable installation|^ *(!!|\*+|return|corresp|with strategy|Please|By 20|See https|name as your)" || true; }
    echo "$want" > "$stamp"
fi

apt_install() {
    # apt_install PACKAGE...: installs Debian packages when we are root and apt-get exists.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing $* with apt-get"
        if [ ! -f /tmp/.cuaso-apt-updated ]; then
            apt-get update -qq && touch /tmp/.cuaso-apt-updated
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
        return 0
    fi
    return 1
}

if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server || {
        say "redis-server is not on PATH and cannot be installed here (not root, or no apt-get)."
        say "Install it: 'sudo apt-get install redis-server' (Debian/Ubuntu), 'brew install redis' (macOS),"
        say "or put a redis-server binary (>= 6.2) on PATH, then run again."
        exit 1
    }
fi
# Extra programs a target needs, as PROGRAM or PROGRAM:DEBIAN_PACKAGE (e.g. `wrk` for make bench,
# `promtool:prometheus` for the dashboard tests), installed the same way as Redis when missing.
for spec in "$@"; do
    tool=${spec%%:*}
    pkg=${spec#*:}
    if ! command -v "$tool" >/dev/null 2>&1; then
        apt_install "$pkg" || { say "$tool is not on PATH; install it (e.g. 'sudo apt-get install $pkg')"; exit 1; }
    fi
done
# Debian's package starts a system-wide server on 6379; cuaso never uses it (it starts its own on a
# free port), so it is left alone.
exit 0
