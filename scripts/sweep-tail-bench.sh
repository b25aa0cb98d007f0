#!/usr/bin/env bash
# Issue 14's sweep figure: a sweep of 3 equal runs (LSTM, H = 256) with --jobs 2 against
# (the single-thread work of the three) / 2. Each round times, back to back: one of the runs
# alone on one thread (--threads-per-run 1), the three with --jobs 2 (idle cores lent, the
# default), and the three with --jobs 2 --threads-per-run 1 (no lending: the last run keeps
# one core). A round's ratio is (three, --jobs 2) ÷ (3 × one alone / 2); 1.10 is 10% over.
# The machine's speed drifts from minute to minute, so the rounds alternate the three kinds
# and the summary gives medians.
#
# usage: scripts/sweep-tail-bench.sh [--rounds N] [--runner BIN] [--out DIR]
#   --rounds  rounds (default 5)
#   --runner  the runner binary (default .build/release/runner; build it with swift build -c release)
#   --out     where the specs, databases and the log go (default a new directory under /tmp)
set -euo pipefail

rounds=5
runner=".build/release/runner"
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --runner) runner="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "sweep-tail-bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$runner" ] || { echo "sweep-tail-bench: no runner binary at $runner (swift build -c release)" >&2; exit 2; }
runner="$(cd "$(dirname "$runner")" && pwd)/$(basename "$runner")"
out="${out:-$(mktemp -d /tmp/sweep-tail.XXXXXX)}"
mkdir -p "$out"
cd "$out"

cat > one.json <<'EOF'
{
  "name": "tail-one",
  "task": { "name": "adding", "length": 50, "train_size": 1000, "val_size": 200, "data_seed": 7 },
  "train": { "epochs": 4, "batch": 32, "optimizer": "adam", "clip_norm": 1.0 },
  "grid": { "cell": ["lstm"], "hidden": [256], "lr": [0.003], "seed": [1] }
}
EOF
sed 's/"tail-one"/"tail-three"/; s/"seed": \[1\]/"seed": [1, 2, 3]/' one.json > three.json

seconds() {  # seconds SPEC DB ARGS...: wall time of one sweep, its end-of-sweep line to the log
    local spec="$1" db="$2"; shift 2
    rm -f "$db" "$db-wal" "$db-shm"
    local start end
    start=$(date +%s.%N)
    "$runner" sweep "$spec" --db "$db" --no-report "$@" >sweep.out 2>>sweeps.log || {
        echo "sweep-tail-bench: runner sweep $spec $* failed (exit $?); its messages are in $out/sweeps.log" >&2; exit 1; }
    end=$(date +%s.%N)
    grep -E "^sweep " sweep.out >>sweeps.log || true
    echo "$end - $start" | bc
}

: > sweeps.log
echo "round  one-alone  three-jobs2  three-no-lending  ratio  ratio-no-lending" | tee times.txt
for r in $(seq 1 "$rounds"); do
    one=$(seconds one.json one.db --jobs 1 --threads-per-run 1)
    lent=$(seconds three.json lent.db --jobs 2)
    kept=$(seconds three.json kept.db --jobs 2 --threads-per-run 1)
    printf "%5d  %9.2f  %11.2f  %16.2f  %5.3f  %16.3f\n" "$r" "$one" "$lent" "$kept" \
        "$(echo "$lent / (3 * $one / 2)" | bc -l)" "$(echo "$kept / (3 * $one / 2)" | bc -l)" | tee -a times.txt
done
python3 - "$out/times.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]).read().splitlines()[1:]]
col = lambda i: [float(row[i]) for row in rows]
print(f"medians over {len(rows)} rounds: one alone {statistics.median(col(1)):.2f} s, three --jobs 2 {statistics.median(col(2)):.2f} s "
      f"(ratio to the half of the work {statistics.median(col(4)):.3f}, {sum(x <= 1.10 for x in col(4))}/{len(rows)} rounds within 10%), "
      f"without lending {statistics.median(col(3)):.2f} s (ratio {statistics.median(col(5)):.3f})")
PY
echo "raw: $out (times.txt, sweeps.log)"
