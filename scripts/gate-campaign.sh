#!/usr/bin/env bash
# The measurement campaign of docs/gate.md ("A gate that does not cry wolf"): AA_RUNS drills of the same
# code and DELAY_RUNS drills per injected delay (the stack's --inject-delay-ms on every /api/ request),
# interleaved so that the machine's drift hits every group alike; then python -m gate.study judges, with
# the gate's defaults (no option but --phase), every A/A pair and every (A, delayed) pair with one run per
# side and with REPEATS runs per side, and counts FAIL (exit 1) and INCONCLUSIVE (exit 3).
#
# The drill is the one of issue 17 (`cuaso drill steady --users 60 --think-scale 0.05 --duration 60
# --param ramp_s=10`), run by gate.probe so that the stack can take an injected delay (the probe's
# GET /healthz samples also let the same runs be re-judged with --calibrate).
#
# Usage: scripts/gate-campaign.sh [OUT_DIR] [-- STUDY_OPTIONS...]
#   env AA_RUNS (default 8: 28 A/A pairs, 21 splits of 3 vs 3), DELAYS (default "2 5 10 20 50", ms),
#   DELAY_RUNS (default 6: 48 pairs of 1 vs 1, 20 groups of 3 vs 3 per delay), REPEATS (3),
#   USERS (60), THINK_SCALE (0.05), DURATION (60 s), RAMP_S (10).
#   About DURATION + 15 s per drill: 38 drills of 60 s take about 50 minutes on a 2-core machine.
# Pairs share runs (they are not independent); AA_RUNS=40 DELAY_RUNS=40 gives 20 disjoint pairs too.
# Re-analyse without drilling: .venv/bin/python -m gate.study OUT_DIR --phase steady --repeats 3
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-var/gate-campaign}
shift || true
[ "${1:-}" = "--" ] && shift
AA_RUNS=${AA_RUNS:-8}
DELAYS=${DELAYS:-2 5 10 20 50}
DELAY_RUNS=${DELAY_RUNS:-6}
REPEATS=${REPEATS:-3}
USERS=${USERS:-60}
THINK_SCALE=${THINK_SCALE:-0.05}
DURATION=${DURATION:-60}
RAMP_S=${RAMP_S:-10}
PYTHON=${PYTHON_BIN:-.venv/bin/python}

say() { printf 'gate-campaign: %s\n' "$*" >&2; }

drill() {
    local out=$1 delay=$2
    mkdir -p "$out"
    "$PYTHON" -m gate.probe "$out" --inject-delay-ms "$delay" -- \
        steady --users "$USERS" --think-scale "$THINK_SCALE" --duration "$DURATION" \
        --param "ramp_s=$RAMP_S" --seed 1 >"$out/drill.log" 2>&1 || {
        say "drill into $out failed; its log:"
        tail -n 30 "$out/drill.log" >&2
        return 1
    }
}

most=$((AA_RUNS > DELAY_RUNS ? AA_RUNS : DELAY_RUNS))
total=$((AA_RUNS + DELAY_RUNS * $(wc -w <<<"$DELAYS")))
done_runs=0
for i in $(seq 1 "$most"); do
    for delay in 0 $DELAYS; do
        if [ "$delay" = 0 ] && [ "$i" -gt "$AA_RUNS" ]; then continue; fi
        if [ "$delay" != 0 ] && [ "$i" -gt "$DELAY_RUNS" ]; then continue; fi
        target="$OUT/delay-$delay/run-$i"
        done_runs=$((done_runs + 1))
        if [ -f "$target/results.json" ]; then
            say "[$done_runs/$total] $target exists, kept"
            continue
        fi
        say "[$done_runs/$total] drill, injected delay ${delay} ms -> $target"
        drill "$target" "$delay"
    done
done
say "analysing $OUT with the gate's defaults"
"$PYTHON" -m gate.study "$OUT" --phase steady --repeats "$REPEATS" --json "$OUT/study.json" "$@" \
    | tee "$OUT/study.md"
