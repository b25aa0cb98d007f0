#!/usr/bin/env bash
# Back-to-back comparison of `runner bench` with ../shared/reference/torch_rnn_bench.py,
# repeated, with per-line statistics. Each round keeps both programs' outputs whole in
# OUT/round-K.txt. Two orders:
#
#   interleaved (default): one hidden size at a time, PyTorch and runner right after each
#     other (which goes first alternates from size to size): --layers 1 and --layers 2 at
#     H = 64, 128, 256, 512, then --threads 2 at H = 256 and 512, each followed by runner
#     --threads 1 at that size. Each ratio compares figures taken seconds apart.
#   grouped: PyTorch --layers 1, runner --layers 1, PyTorch --layers 2, runner --layers 2,
#     PyTorch --threads 2, runner --threads 2, runner --threads 1 (H = 256, 512): each
#     program's lines in one block, so a ratio compares figures taken minutes apart.
#
# The summary gives, per line, the median, smallest and largest ratio over the rounds
# (runner ÷ PyTorch tok/s, both GRU forms against PyTorch's nn.GRU; runner's 2 ÷ 1 thread
# at H = 512) and in how many rounds the line reached its target (GRU 1.5×, LSTM 1.2× at one
# thread; 1.2× against PyTorch's 2 threads; 1.7× from the second thread). On a shared VM a
# core's speed moves by ±25% and more from minute to minute, for both programs alike, so
# one round says little; the median over several does, and the interleaved order keeps
# those swings out of most ratios.
#
# usage: scripts/bench-vs-pytorch.sh [--rounds N] [--order interleaved|grouped] [--python PY]
#                                    [--runner BIN] [--out DIR]
#   --rounds  rounds to run (default 5)
#   --order   interleaved (default) or grouped, as above
#   --python  the Python with torch (default ~/torchref/bin/python, see ../shared/reference/README.md)
#   --runner  the runner binary (default .build/release/runner; build it with swift build -c release)
#   --out     where the raw outputs go (default a new directory under /tmp)
#   --summary DIR   only summarise the rounds already in DIR
set -euo pipefail

rounds=5
order=interleaved
python="$HOME/torchref/bin/python"
runner=".build/release/runner"
out=""
summary_only=""
here="$(cd "$(dirname "$0")/.." && pwd)"
torch_script="$here/../shared/reference/torch_rnn_bench.py"

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --order) order="$2"; shift 2 ;;
        --python) python="$2"; shift 2 ;;
        --runner) runner="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --summary) summary_only="$2"; shift 2 ;;
        -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
case "$order" in interleaved|grouped) ;; *) echo "bench-vs-pytorch: --order takes interleaved or grouped, not '$order'" >&2; exit 2 ;; esac
case "$rounds" in ''|*[!0-9]*|0) echo "bench-vs-pytorch: --rounds takes a positive whole number, not '$rounds'" >&2; exit 2 ;; esac
[ -n "$out" ] || out="$(mktemp -d /tmp/bench-vs-pytorch.XXXXXX)"
mkdir -p "$out"

torch() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$torch_script" "$@"; }
# One hidden size of one setting, both programs back to back; $1 = 1: PyTorch first.
pair() {
    local torch_first="$1" h="$2"; shift 2   # the rest: the setting (--layers N or --threads N)
    if [ "$torch_first" = 1 ]; then
        echo "## torch $*"; torch "$@" --hidden "$h"
        echo "## runner $*"; "$runner" bench "$@" --hidden "$h"
    else
        echo "## runner $*"; "$runner" bench "$@" --hidden "$h"
        echo "## torch $*"; torch "$@" --hidden "$h"
    fi
}
interleaved_round() {
    local first=1
    for layers in 1 2; do
        for h in 64 128 256 512; do pair "$first" "$h" --layers "$layers"; first=$((1 - first)); done
    done
    for h in 256 512; do
        pair "$first" "$h" --threads 2; first=$((1 - first))
        echo "## runner --threads 1"; "$runner" bench --threads 1 --hidden "$h"
    done
}
grouped_round() {
    echo "## torch --layers 1";  torch --layers 1
    echo "## runner --layers 1"; "$runner" bench --layers 1
    echo "## torch --layers 2";  torch --layers 2
    echo "## runner --layers 2"; "$runner" bench --layers 2
    echo "## torch --threads 2"; torch --threads 2
    echo "## runner --threads 2"; "$runner" bench --threads 2
    echo "## runner --threads 1"; "$runner" bench --threads 1 --hidden 256,512
}
for k in $(seq 1 "$rounds"); do
    file="$out/round-$k.txt"
    {
        echo "### round $k ($order), $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $("$runner" --version 2>/dev/null || echo runner)"
        "${order}_round"
    } > "$file.partial" 2>&1
    mv "$file.partial" "$file"
    echo "round $k of $rounds: $file" >&2
done
summarise "$out"
