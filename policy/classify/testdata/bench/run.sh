#!/usr/bin/env bash
# Compares the Go classifier's throughput with npm's sentiment (AFINN) on the
# same bytes, in one run: ROUNDS rounds of each, interleaved, best of each.
# Both sides report wall-time MB/s and CPU-time MB/cpu-s; on a shared machine
# the CPU-time ratio is the one that holds still.
#
#   bash policy/classify/testdata/bench/run.sh
#
# GATEKEEPER_DATA: the dev data folder (default /work/shared/data).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
data=${GATEKEEPER_DATA:-/work/shared/data}
file=$data/tone/vi_news_dev.jsonl
[ -f "$file" ] || { echo "missing $file (set GATEKEEPER_DATA)" >&2; exit 1; }
command -v node >/dev/null || { echo "node is not installed" >&2; exit 1; }
if [ ! -d "$here/node_modules/sentiment" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
(cd "$root" && go test -c -o "$here/classify.test" ./policy/classify/)
trap 'rm -f "$here/classify.test"' EXIT
best_go=0 best_an=0 best_node=0 best_goc=0 best_anc=0 best_nodec=0 best_dec=0
field() { awk -v unit="$2" -v name="$3" '$0 ~ name {for (i = 1; i < NF; i++) if ($(i+1) == unit) print $i}' <<<"$1"; }
max() { awk -v a="$1" -v b="$2" 'BEGIN{print (b + 0 > a + 0) ? b : a}'; }
for round in $(seq "${ROUNDS:-3}"); do
  out=$(cd "$root/policy/classify" && GATEKEEPER_DATA=$data "$here/classify.test" -test.run '^$' \
    -test.bench 'Benchmark(Classify|Analyze|DecodeOnly)VI$' -test.benchmem -test.count=1 -test.benchtime="${BENCHTIME:-10x}")
  echo "$out" | grep '^Benchmark'
  nout=$(node "$here/bench.js" "$file")
  echo "$nout"
  best_go=$(max "$best_go" "$(field "$out" MB/s ClassifyVI)")
  best_an=$(max "$best_an" "$(field "$out" MB/s AnalyzeVI)")
  best_goc=$(max "$best_goc" "$(field "$out" MB/cpu-s ClassifyVI)")
  best_anc=$(max "$best_anc" "$(field "$out" MB/cpu-s AnalyzeVI)")
  best_dec=$(max "$best_dec" "$(field "$out" MB/s DecodeOnlyVI)")
  best_node=$(max "$best_node" "$(field "$nout" MB/s sentiment)")
  best_nodec=$(max "$best_nodec" "$(field "$nout" MB/cpu-s sentiment)")
done
awk -v g="$best_go" -v a="$best_an" -v n="$best_node" -v gc="$best_goc" -v ac="$best_anc" -v nc="$best_nodec" -v d="$best_dec" 'BEGIN {
  printf "yardstick: a bare UTF-8 decode loop over the same bytes runs at %.1f MB/s here\n", d
  printf "best wall: Go Classify %.1f MB/s (hot loop %.1f), node sentiment %.1f MB/s: ratio %.1fx\n", g, a, n, g / n
  printf "best CPU:  Go Classify %.1f MB/cpu-s (hot loop %.1f), node sentiment %.1f MB/cpu-s: ratio %.1fx\n", gc, ac, nc, gc / nc }'
