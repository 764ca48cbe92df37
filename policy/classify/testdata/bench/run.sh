#!/usr/bin/env bash
# Compares the Go classifier's throughput with npm's sentiment (AFINN) on the
# same bytes, in one run: ROUNDS rounds of each, interleaved, best of each.
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
best_go=0 best_an=0 best_node=0
for round in $(seq "${ROUNDS:-3}"); do
  out=$(cd "$root/policy/classify" && GATEKEEPER_DATA=$data "$here/classify.test" -test.run '^$' \
    -test.bench 'Benchmark(Classify|Analyze)VI$' -test.benchmem -test.count=1 -test.benchtime="${BENCHTIME:-10x}")
  echo "$out" | grep '^Benchmark'
  g=$(echo "$out" | awk '/^BenchmarkClassifyVI/ {for (i = 1; i < NF; i++) if ($(i+1) == "MB/s") print $i}')
  a=$(echo "$out" | awk '/^BenchmarkAnalyzeVI/ {for (i = 1; i < NF; i++) if ($(i+1) == "MB/s") print $i}')
  n=$(node "$here/bench.js" "$file" | tee /dev/stderr | awk '{print $(NF-1)}')
  best_go=$(awk -v a="$best_go" -v b="$g" 'BEGIN{print (b > a) ? b : a}')
  best_an=$(awk -v a="$best_an" -v b="$a" 'BEGIN{print (b > a) ? b : a}')
  best_node=$(awk -v a="$best_node" -v b="$n" 'BEGIN{print (b > a) ? b : a}')
done
awk -v g="$best_go" -v a="$best_an" -v n="$best_node" 'BEGIN {
  printf "best: Go Classify %.1f MB/s (hot loop %.1f MB/s), node sentiment %.1f MB/s\n", g, a, n
  printf "ratio (Classify / sentiment): %.1fx\n", g / n }'
