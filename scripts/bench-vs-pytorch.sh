#!/usr/bin/env bash
# Back-to-back comparison of `runner bench` with ../shared/reference/torch_rnn_bench.py,
# repeated, with per-line statistics. One round runs, one after the other:
#
#   PyTorch --layers 1, runner --layers 1, PyTorch --layers 2, runner --layers 2,
#   PyTorch --threads 2, runner --threads 2, runner --threads 1 (H = 256, 512)
#
# and keeps both outputs whole in OUT/round-K.txt. The summary gives, per line, the
# median, smallest and largest ratio over the rounds (runner ÷ PyTorch tok/s, both GRU
# forms against PyTorch's nn.GRU; runner's 2 ÷ 1 thread at H = 512) and in how many
# rounds the line reached its target (GRU 1.5×, LSTM 1.2× at one thread; 1.2× against
# PyTorch's 2 threads; 1.7× from the second thread). On a shared VM one line moves by
# ±25% from minute to minute, so one round says little; the median over several does.
#
# usage: scripts/bench-vs-pytorch.sh [--rounds N] [--python PY] [--runner BIN] [--out DIR]
#   --rounds  rounds to run (default 5)
#   --python  the Python with torch (default ~/torchref/bin/python, see ../shared/reference/README.md)
#   --runner  the runner binary (default .build/release/runner; build it with swift build -c release)
#   --out     where the raw outputs go (default a new directory under /tmp)
#   --summary DIR   only summarise the rounds already in DIR
set -euo pipefail

rounds=5
python="$HOME/torchref/bin/python"
runner=".build/release/runner"
out=""
summary_only=""
here="$(cd "$(dirname "$0")/.." && pwd)"
torch_script="$here/../shared/reference/torch_rnn_bench.py"

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --python) python="$2"; shift 2 ;;
        --runner) runner="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --summary) summary_only="$2"; shift 2 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-vs-pytorch: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

summarise() {
    "$python" - "$1" <<'PY'
import glob, re, statistics, sys
rounds = []
for path in sorted(glob.glob(sys.argv[1] + "/round-*.txt")):
    section, lines = None, {}
    for text in open(path):
        if text.startswith("## "):
            section = text[3:].strip()
            continue
        m = re.match(r"(\w+)\s+H=\s*(\d+)(?: L=\d)?.*?([\d.]+) tok/s", text)
        if m:
            lines[(section, m.group(1), int(m.group(2)))] = float(m.group(3))
    rounds.append(lines)
if not rounds:
    sys.exit("bench-vs-pytorch: no round-*.txt in " + sys.argv[1])

def row(label, ratio, target):
    values = [ratio(r) for r in rounds]
    met = sum(v >= target for v in values)
    print(f"{label:46s} median {statistics.median(values):5.2f}  min {min(values):5.2f}  "
          f"max {max(values):5.2f}  >= {target}: {met}/{len(values)}")

print(f"{len(rounds)} rounds in {sys.argv[1]}")
for layers in (1, 2):
    for cell in ("gru", "gru_reset_after", "lstm"):
        peer, target = ("lstm", 1.2) if cell == "lstm" else ("gru", 1.5)
        for h in (64, 128, 256, 512):
            row(f"1 thread, {layers} layer(s), {cell} H={h}",
                lambda r: r[(f"runner --layers {layers}", cell, h)] / r[(f"torch --layers {layers}", peer, h)], target)
for cell in ("gru", "gru_reset_after", "lstm"):
    peer = "lstm" if cell == "lstm" else "gru"
    for h in (256, 512):
        row(f"2 threads vs PyTorch 2, {cell} H={h}",
            lambda r: r[("runner --threads 2", cell, h)] / r[("torch --threads 2", peer, h)], 1.2)
    row(f"2 threads / 1 thread, {cell} H=512",
        lambda r: r[("runner --threads 2", cell, 512)] / r[("runner --threads 1", cell, 512)], 1.7)
PY
}

if [ -n "$summary_only" ]; then summarise "$summary_only"; exit 0; fi

[ -x "$python" ] || { echo "bench-vs-pytorch: no Python at $python (install torch as ../shared/reference/README.md says, or pass --python)" >&2; exit 2; }
[ -f "$torch_script" ] || { echo "bench-vs-pytorch: no $torch_script" >&2; exit 2; }
[ -x "$runner" ] || { echo "bench-vs-pytorch: no runner binary at $runner (swift build -c release, or pass --runner)" >&2; exit 2; }
case "$rounds" in ''|*[!0-9]*|0) echo "bench-vs-pytorch: --rounds takes a positive whole number, not '$rounds'" >&2; exit 2 ;; esac
[ -n "$out" ] || out="$(mktemp -d /tmp/bench-vs-pytorch.XXXXXX)"
mkdir -p "$out"

torch() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$torch_script" "$@"; }
for k in $(seq 1 "$rounds"); do
    file="$out/round-$k.txt"
    {
        echo "### round $k, $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $("$runner" --version 2>/dev/null || echo runner)"
        echo "## torch --layers 1";  torch --layers 1
        echo "## runner --layers 1"; "$runner" bench --layers 1
        echo "## torch --layers 2";  torch --layers 2
        echo "## runner --layers 2"; "$runner" bench --layers 2
        echo "## torch --threads 2"; torch --threads 2
        echo "## runner --threads 2"; "$runner" bench --threads 2
        echo "## runner --threads 1"; "$runner" bench --threads 1 --hidden 256,512
    } > "$file.partial" 2>&1
    mv "$file.partial" "$file"
    echo "round $k of $rounds: $file" >&2
done
summarise "$out"
