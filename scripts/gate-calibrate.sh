#!/usr/bin/env bash
# Measures how good `cuaso gate` is on this machine (docs/gate.md, "Measured"): AA_RUNS smoke drills of
# the same code, DELAY_RUNS drills per injected delay (the stack's --inject-delay-ms), run interleaved so
# that the machine's drift hits every group alike; then python -m gate.study prints the
# false-positive rate over the A/A pairs and the detection rate of each delay.
#
# Usage: scripts/gate-calibrate.sh [OUT_DIR] [-- STUDY_OPTIONS...]
#   env AA_RUNS (default 6), DELAYS (default "0.5 1 2 5", ms), DELAY_RUNS (default 2),
#   CUASO_PERF_DURATION (default 30 s per drill). About 45 s per drill on a 2-core machine.
# Re-analyse without drilling: .venv/bin/python -m gate.study OUT_DIR --phase steady ...
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-var/gate-study}
shift || true
[ "${1:-}" = "--" ] && shift
AA_RUNS=${AA_RUNS:-6}
DELAYS=${DELAYS:-0.5 1 2 5}
DELAY_RUNS=${DELAY_RUNS:-2}

say() { printf 'gate-calibrate: %s\n' "$*" >&2; }

total=$((AA_RUNS + DELAY_RUNS * $(wc -w <<<"$DELAYS")))
done_runs=0
for i in $(seq 1 "$AA_RUNS"); do
    for delay in 0 $DELAYS; do
        if [ "$delay" != 0 ] && [ "$i" -gt "$DELAY_RUNS" ]; then continue; fi
        target="$OUT/delay-$delay/run-$i"
        done_runs=$((done_runs + 1))
        if [ -f "$target/results.json" ]; then
            say "[$done_runs/$total] $target exists, kept"
            continue
        fi
        say "[$done_runs/$total] smoke drill, injected delay ${delay} ms -> $target"
        scripts/ci-perf.sh drill "$target" "$delay"
    done
done
say "analysing $OUT"
.venv/bin/python -m gate.study "$OUT" --phase steady --json "$OUT/study.json" "$@"
