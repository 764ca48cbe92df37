#!/usr/bin/env bash
# Compares the Go classifier's throughput with npm's sentiment (AFINN) on the
# same bytes, in one run: ROUNDS rounds of each, interleaved, best of each.
# Three measures, each side alike:
#   MB/s       wall time over whole passes;
#   MB/cpu-s   CPU time (user + system) over whole passes;
#   best-MB/s  the bytes over the sum of the fastest time of each chunk of 32
#              texts: on a shared machine a few-millisecond chunk often runs
#              with a core to itself when a whole pass never does, so this
#              is the figure that holds still under load.
# Also shown: the load average, and a bare UTF-8 decode loop over the same
# bytes (the yardstick: how fast the machine is at that moment).
#
#   bash policy/classify/testdata/bench/run.sh
#
# GATEKEEPER_LABELLED_DATA: the dev data folder (default: shared/data beside the repository).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
data=${GATEKEEPER_LABELLED_DATA:-$(cd "$root/.." && pwd)/shared/data}
file=$data/tone/vi_news_dev.jsonl
[ -f "$file" ] || { echo "missing $file (set GATEKEEPER_LABELLED_DATA)" >&2; exit 1; }
command -v node >/dev/null || { echo "node is not installed" >&2; exit 1; }
if [ ! -d "$here/node_modules/sentiment" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
(cd "$root" && go test -c -o "$here/classify.test" ./policy/classify/)
trap 'rm -f "$here/classify.test"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A best
# metric NAME UNIT OUTPUT: the value before UNIT on the line matching NAME.
metric() { awk -v unit="$2" -v name="$1" '$0 ~ name {for (i = 1; i < NF; i++) if ($(i+1) == unit) print $i}' <<<"$3"; }
keep() { best[$1]=$(awk -v a="${best[$1]:-0}" -v b="${2:-0}" 'BEGIN{print (b + 0 > a + 0) ? b : a}'); }
for round in $(seq "${ROUNDS:-3}"); do
  out=$(cd "$root/policy/classify" && GATEKEEPER_LABELLED_DATA=$data "$here/classify.test" -test.run '^$' \
    -test.bench 'Benchmark(Classify|Analyze|DecodeOnly)VI(Best)?$' -test.benchmem -test.count=1 -test.benchtime="${BENCHTIME:-10x}")
  echo "$out" | grep '^Benchmark'
  nout=$(PASSES=${PASSES:-8} node "$here/bench.js" "$file")
  echo "$nout"
  for b in ClassifyVI AnalyzeVI DecodeOnlyVI; do
    keep "$b wall" "$(metric "${b}-" MB/s "$out")"
    keep "$b cpu" "$(metric "${b}-" MB/cpu-s "$out")"
    keep "$b best" "$(metric "${b}Best-" best-MB/s "$out")"
  done
  keep "node wall" "$(metric sentiment MB/s "$nout")"
  keep "node cpu" "$(metric sentiment MB/cpu-s "$nout")"
  keep "node best" "$(metric sentiment best-MB/s "$nout")"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for m in wall cpu best; do
  awk -v m="$m" -v g="${best[ClassifyVI $m]}" -v a="${best[AnalyzeVI $m]}" -v d="${best[DecodeOnlyVI $m]}" -v n="${best[node $m]}" 'BEGIN {
    unit = (m == "wall") ? "MB/s" : (m == "cpu") ? "MB/cpu-s" : "best-MB/s"
    printf "%-4s  Go Classify %6.1f %-9s (hot loop %6.1f, decode-only yardstick %6.1f), node sentiment %5.1f: ratio %.1fx\n", m, g, unit, a, d, n, (n > 0) ? g / n : 0 }'
done
