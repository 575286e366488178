#!/bin/sh
# Entry point of the cuaso image: gives the portal's uvicorn workers an empty prometheus-client
# multiprocess folder (stale files from an earlier start would add old counts to /metrics, as
# stack/launcher.py avoids by emptying it before each start), then runs the role's command as PID 1's child.
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
