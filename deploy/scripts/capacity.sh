#!/usr/bin/env bash
# Capacity measurements behind deploy/capacity.md. Everything runs on loopback,
# every run is bounded (DUR each, REQUESTS for the memory run), and every
# process started here is stopped on exit.
#
#   deploy/scripts/capacity.sh                  # all sections (about 3 minutes)
#   deploy/scripts/capacity.sh throughput       # only the throughput runs
#   deploy/scripts/capacity.sh memory           # only the memory measurements
#   DUR=5s CONC=16 scripts/capacity.sh   # shorter / fewer clients
#   REPEAT=3 DUR=5s scripts/capacity.sh  # each run three times (a shared machine is noisy)
#
# Needs redis-server and redis-cli (Debian redis-server, redis-tools), python3, go.
set -euo pipefail

DUR=${DUR:-10s}
CONC=${CONC:-32}
REQUESTS=${REQUESTS:-10000}
REPEAT=${REPEAT:-1}
WHAT=${1:-all}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/gk-capacity.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -n "${GATEKEEPER_BIN:-}" ]]; then
  BIN=$GATEKEEPER_BIN
else
  BIN=$WORK/gatekeeper
  (cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$BIN" ./cmd/gatekeeper)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# A port p whose cluster bus port p+10000 is valid and free.
free_bus_port() {
  python3 -c '
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
while True:
    p = random.randint(20000, 55535)
    if free(p) and free(p + 10000):
        print(p); break
'
}

# start_redis NAME [redis.conf lines...]: sets PORT.
start_redis() {
  local name=$1; shift
  local dir=$WORK/$name; mkdir -p "$dir"
  if [[ " $* " == *"cluster-enabled yes"* ]]; then PORT=$(free_bus_port); else PORT=$(free_port); fi
  { echo "bind 127.0.0.1"; echo "port $PORT"; echo "dir $dir"; echo "save \"\""; echo "logfile $dir/redis.log"
    echo "repl-diskless-sync-delay 0"; printf '%s\n' "$@"; } > "$dir/redis.conf"
  redis-server "$dir/redis.conf" >/dev/null 2>&1 & PIDS+=($!)
  for _ in $(seq 300); do redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && return; sleep 0.05; done
  echo "redis-server $name did not start: $(tail -5 "$dir/redis.log")" >&2; exit 1
}

# start_serve NAME REDIS_URL [flags...]: sets ADDR and SPID.
start_serve() {
  local name=$1 url=$2; shift 2
  local log=$WORK/$name.log
  GATEKEEPER_REDIS_URL=$url "$BIN" serve --addr 127.0.0.1:0 --rate-limit 0 --log-level error "$@" >/dev/null 2>"$log" &
  SPID=$!; PIDS+=($SPID)
  for _ in $(seq 200); do
    if grep -q "listening on" "$log"; then ADDR=$(sed -n 's/^listening on //p' "$log" | head -1); return; fi
    sleep 0.05
  done
  echo "gatekeeper serve did not start: $(cat "$log")" >&2; exit 1
}

# new_outlet URL ID: prints the secret.
new_outlet() {
  GATEKEEPER_REDIS_URL=$1 "$BIN" outlet add "$2" --name "Capacity $2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'
}

cpu_ticks() { # total utime+stime (1/100 s) of the given pids
  local t=0
  for pid in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$pid/stat"))); done
  echo "$t"
}
redis_cpu() { redis-cli -p "$1" info cpu | awk -F: '/^used_cpu_(user|sys):/{s+=$2} END{printf "%.2f", s}'; }

# bench_run LABEL OUTLET SECRET REDIS_PORTS SERVE_PIDS TARGET...: one bench
# process per target (concurrency split), summed; CPU seconds of the
# gatekeeper processes and of Redis during the run.
bench_run() {
  local r
  for r in $(seq "$REPEAT"); do bench_once "$@"; done
}
bench_once() {
  local label=$1 outlet=$2 secret=$3 rports=$4 spids=$5; shift 5
  local n=$# per=$(( CONC / $# )) i=0 r0=0 r1=0 g0 g1 p
  for p in $rports; do r0=$(python3 -c "print($r0+$(redis_cpu "$p"))"); redis-cli -p "$p" config resetstat >/dev/null; done
  g0=$(cpu_ticks $spids)
  local bpids=()
  for target in "$@"; do
    GATEKEEPER_SECRET=$secret /usr/bin/time -f "%U %S" -o "$WORK/bench.$i.time" "$BIN" bench --url "http://$target" --outlet "$outlet" --duration "$DUR" \
      --concurrency "$per" --json > "$WORK/bench.$i.json" & bpids+=($!); i=$((i+1))
  done
  for b in "${bpids[@]}"; do wait "$b"; done
  g1=$(cpu_ticks $spids)
  local evalsha=""
  for p in $rports; do
    r1=$(python3 -c "print($r1+$(redis_cpu "$p"))")
    evalsha+=" $(redis-cli -p "$p" info commandstats | sed -n 's/^cmdstat_\(fcall\|evalsha\):calls=\([0-9]*\),usec=[0-9]*,usec_per_call=\([0-9.]*\).*/\2:\3/p' | tr '\n' ' ')"
  done
  python3 - "$label" "$n" "$WORK" "$g0" "$g1" "$r0" "$r1" "$DUR" "$evalsha" <<'EOF'
import json, sys
label, n, work, g0, g1, r0, r1, dur = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), sys.argv[8]
calls = [tuple(map(float, x.split(":"))) for x in sys.argv[9].split()]
ev = sum(c * u for c, u in calls) / max(1, sum(c for c, u in calls))
bcpu = sum(sum(map(float, open(f"{work}/bench.{i}.time").read().split()[-2:])) for i in range(n))
rs = [json.load(open(f"{work}/bench.{i}.json")) for i in range(n)]
rps = sum(r["rps"] for r in rs)
p50 = max(r["p50"] for r in rs) / 1e6
p99 = max(r["p99"] for r in rs) / 1e6
st, dec = {}, {}
for r in rs:
    for k, v in (r["statuses"] or {}).items(): st[k] = st.get(k, 0) + v
    for k, v in (r["decisions"] or {}).items(): dec[k] = dec.get(k, 0) + v
el = max(r["elapsed"] for r in rs) / 1e9
print(f"{label}: {rps:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, statuses {st}, decisions {dec}; "
      f"CPU over {el:.1f}s: gatekeeper {(g1-g0)/100/el:.2f} cores, redis {(r1-r0)/el:.2f} cores, load generator {bcpu/el:.2f} cores; "
      f"Redis time per EVALSHA {ev:.0f} µs")
EOF
}

throughput() {
  echo "== machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "== bench: $DUR per run, $CONC clients in all, 3000-byte posts, 10% declared negative, a fresh outlet per run"

  # Baseline: an empty Gin handler on the same route.
  local ep; ep=$(free_port)
  "$BIN" bench empty-server --addr "127.0.0.1:$ep" >/dev/null 2>&1 & local epid=$!; PIDS+=($epid)
  sleep 0.5
  bench_run "empty handler (baseline)" x whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "" "$epid" "127.0.0.1:$ep"
  kill "$epid"

  # One Redis (appendonly yes, appendfsync always: the recommended single node).
  local rp url secret a1 a2 a3 s1 s2 s3
  start_redis single "appendonly yes" "appendfsync always"; rp=$PORT
  url=redis://127.0.0.1:$rp/0
  secret=$(new_outlet "$url" one)
  start_serve s1 "$url"; a1=$ADDR; s1=$SPID
  bench_run "1 replica, one Redis (AOF always)" one "$secret" "$rp" "$s1" "$a1"
  start_serve s2 "$url"; a2=$ADDR; s2=$SPID
  start_serve s3 "$url"; a3=$ADDR; s3=$SPID
  secret=$(new_outlet "$url" one3)
  bench_run "3 replicas, one Redis (AOF always)" one3 "$secret" "$rp" "$s1 $s2 $s3" "$a1" "$a2" "$a3"
  kill "$s1" "$s2" "$s3"

  # WAIT: a master and one replica, without and with --redis-wait-replicas 1.
  local mp rpp murl
  start_redis master; mp=$PORT
  start_redis replica "replicaof 127.0.0.1 $mp"; rpp=$PORT
  sleep 2
  murl=redis://127.0.0.1:$mp/0
  secret=$(new_outlet "$murl" wait)
  start_serve w0 "$murl"
  bench_run "1 replica, master+replica, no WAIT" wait "$secret" "$mp $rpp" "$SPID" "$ADDR"
  kill "$SPID"
  start_serve w1 "$murl" --redis-wait-replicas 1
  secret=$(new_outlet "$murl" wait1)
  bench_run "1 replica, master+replica, WAIT 1" wait1 "$secret" "$mp $rpp" "$SPID" "$ADDR"
  kill "$SPID"

  # A 3+3 Redis Cluster (no AOF: cluster nodes rely on their replicas).
  local ports=() addrs=() curl c1 c2 c3 c1p c2p c3p
  for i in 1 2 3 4 5 6; do
    start_redis "node$i" "cluster-enabled yes" "cluster-config-file nodes.conf" "cluster-node-timeout 2000"
    ports+=("$PORT"); addrs+=("127.0.0.1:$PORT")
  done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
  for _ in $(seq 200); do redis-cli -p "${ports[0]}" cluster info | grep -q cluster_state:ok && break; sleep 0.05; done
  sleep 2
  curl="redis://${addrs[0]}?addr=${addrs[1]}&addr=${addrs[2]}"
  secret=$(new_outlet "$curl" clu)
  start_serve c1 "$curl"; c1=$ADDR; c1p=$SPID
  bench_run "1 replica, 3+3 Cluster, one outlet" clu "$secret" "${ports[*]}" "$c1p" "$c1"
  start_serve c2 "$curl"; c2=$ADDR; c2p=$SPID
  start_serve c3 "$curl"; c3=$ADDR; c3p=$SPID
  secret=$(new_outlet "$curl" clu3)
  bench_run "3 replicas, 3+3 Cluster, one outlet" clu3 "$secret" "${ports[*]}" "$c1p $c2p $c3p" "$c1" "$c2" "$c3"
  kill "$c1p" "$c2p" "$c3p"
}

memory() {
  echo "== memory (Redis 7.0, no AOF; used_memory deltas and MEMORY USAGE)"
  local rp url secret a sp
  start_redis mem; rp=$PORT
  url=redis://127.0.0.1:$rp/0
  used() { redis-cli -p "$rp" info memory | awk -F: '/^used_memory:/{print $2+0}'; }

  local m0 m1
  new_outlet "$url" warm >/dev/null
  m0=$(used)
  for i in $(seq 100); do new_outlet "$url" "m$i" >/dev/null; done
  m1=$(used)
  echo "100 outlets (settings, set member, audit entry): $(( (m1 - m0) / 100 )) bytes per outlet"

  # 10 000 posts backfilled through sync (ledger + window + daily, one audit entry).
  secret=$(new_outlet "$url" sync)
  # A 10 000-post sync is 40 scripts of 256 posts: more than the 250 ms a
  # check gets, so this replica has a long store deadline.
  start_serve mem "$url" --store-timeout 30s; a=$ADDR; sp=$SPID
  python3 - "$WORK/sync.json" <<'EOF'
import json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc)
posts = [{"id": f"s{i}", "title": "Khánh thành trường học mới ở xã Đắk Pék" if i % 10 else "Tai nạn giao thông trên quốc lộ 14",
          "published_at": (now - datetime.timedelta(minutes=i * 4)).strftime("%Y-%m-%dT%H:%M:%SZ")} for i in range(10000)]
json.dump({"posts": posts, "complete": False}, open(sys.argv[1], "w"))
EOF
  m0=$(used)
  local t0 t1
  t0=$(date +%s.%N)
  GATEKEEPER_SECRET=$secret "$BIN" sign --send "http://$a/v1/outlets/sync/sync" "$WORK/sync.json" > "$WORK/sync.out" || { cat "$WORK/sync.out"; exit 1; }
  t1=$(date +%s.%N)
  m1=$(used)
  echo "sync of 10 000 posts (one request) took $(python3 -c "print(f'{$t1-$t0:.2f}')") s"
  echo "10 000 posts synced into one outlet's window: $(( m1 - m0 )) bytes ($(( (m1 - m0) / 10000 )) per post)"
  for k in win neg daily audit; do
    echo "  {o:sync}:$k: $(redis-cli -p "$rp" memory usage "{o:sync}:$k") bytes"
  done
  echo "  one ledger hash {o:sync}:post:s1: $(redis-cli -p "$rp" memory usage "{o:sync}:post:s1") bytes"

  # 10 000 checks through the service, none declared negative so (nearly)
  # all are counted: each also keeps its answer for 24 h under its webhook
  # id and appends an audit entry (a hold would also keep the post).
  set +o pipefail # head closes the --scan pipes below
  secret=$(new_outlet "$url" live)
  m0=$(used)
  GATEKEEPER_SECRET=$secret "$BIN" bench --url "http://$a" --outlet live --requests "$REQUESTS" --duration 5m --concurrency 16 --negative 0 --json > "$WORK/live.json"
  m1=$(used)
  python3 -c "import json; r=json.load(open('$WORK/live.json')); print(f'{r[\"requests\"]} checks: statuses {r[\"statuses\"]}, decisions {r[\"decisions\"]}')"
  echo "  used_memory delta: $(( m1 - m0 )) bytes ($(( (m1 - m0) / REQUESTS )) per check)"
  for k in win neg daily audit holds; do
    echo "  {o:live}:$k: $(redis-cli -p "$rp" memory usage "{o:live}:$k" 2>/dev/null || echo 0) bytes"
  done
  local wh post hold
  wh=$(redis-cli -p "$rp" --scan --pattern '{o:live}:wh:*' | head -1)
  post=$(redis-cli -p "$rp" --scan --pattern '{o:live}:post:*' | head -1)
  hold=$(redis-cli -p "$rp" --scan --pattern '{o:live}:hold:*' | head -1)
  echo "  one webhook answer ($wh): $(redis-cli -p "$rp" memory usage "$wh") bytes, TTL $(redis-cli -p "$rp" ttl "$wh") s"
  echo "  one ledger hash: $(redis-cli -p "$rp" memory usage "$post") bytes"
  [[ -n "$hold" ]] && echo "  one hold hash: $(redis-cli -p "$rp" memory usage "$hold") bytes"
  echo "  keys: $(redis-cli -p "$rp" --scan --pattern '{o:live}:wh:*' | wc -l) webhook answers, $(redis-cli -p "$rp" --scan --pattern '{o:live}:post:*' | wc -l) ledger hashes, $(redis-cli -p "$rp" --scan --pattern '{o:live}:hold:*' | wc -l) holds"
}

case $WHAT in
  throughput) throughput ;;
  memory) memory ;;
  all) throughput; memory ;;
  *) echo "usage: $0 [all|throughput|memory]" >&2; exit 2 ;;
esac
