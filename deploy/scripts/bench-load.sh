#!/usr/bin/env bash
# Load test of the check endpoint on loopback (deploy/performance.md):
#   1. a private redis-server (appendonly yes; appendfsync everysec, then always),
#   2. bin/gatekeeper serve on it, one outlet backfilled through signed
#      POST /sync with DAYS × PER_DAY posts (one in ten negative),
#   3. `gatekeeper bench empty-server`: an empty Gin handler, the baseline,
#   4. `gatekeeper bench` (3 KB Vietnamese posts, 10% negative, every request a
#      new post with a fresh webhook id) swept over concurrencies against the
#      empty handler and the service; the peak is the best rate; then a run
#      held at half the peak (--rate) for p50/p90/p99 (counted from when each
#      request was due) and how late the load generator sent them (p99),
#   5. Redis cost per decision from INFO commandstats (fcall and evalsha usec_per_call)
#      and INFO cpu, and each process's CPU from /proc (also per request), so
#      the load of other processes on a shared machine is visible next to
#      every number,
#   6. with EMBEDDED=1, steps 2 and 4 again on the embedded store (SQLite).
# Everything it starts is stopped on exit.
#
# Settings (environment): GATEKEEPER_BIN (bin/gatekeeper), SERVE_BIN (the binary
# that serves, default GATEKEEPER_BIN: to measure another build), DURATION (10s per
# run), SWEEP ("8 16 32 64"), FSYNCS ("everysec always"), DAYS (30),
# PER_DAY (200), POST_SIZE (3000), NEGATIVE (0.1), REDIS_SERVER (redis-server),
# EMBEDDED (1: also measure the service on the embedded store; FSYNCS="" for only that),
# PROFILE (a folder: the service serves /debug/pprof on an admin address and a CPU
# profile of each store's run at the last concurrency of SWEEP is saved there as
# cpu-LABEL.pprof, and of its run at half the peak as cpu-LABEL-half.pprof, for
# `go tool pprof -top bin/gatekeeper FILE`).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${GATEKEEPER_BIN:-bin/gatekeeper}
DURATION=${DURATION:-10s}
SWEEP=${SWEEP:-"8 16 32 64"}
FSYNCS=${FSYNCS-"everysec always"}
DAYS=${DAYS:-30}
PER_DAY=${PER_DAY:-200}
POST_SIZE=${POST_SIZE:-3000}
NEGATIVE=${NEGATIVE:-0.1}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
EMBEDDED=${EMBEDDED:-0}
PROFILE=${PROFILE:-}

for cmd in "$REDIS_SERVER" redis-cli jq curl; do
	command -v "$cmd" >/dev/null || { echo "bench-load: $cmd is required (apt-get install -y redis-server jq curl)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench-load: $BIN not found (make build)" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
SERVE_BIN=${SERVE_BIN:-$BIN}

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# freeport prints a TCP port nobody listens on, below the ephemeral range
# (so no outgoing connection holds it).
freeport() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
}

# waitfor URL PID LOG [curl args]: until URL answers 2xx (30 s at most) while PID lives.
waitfor() {
	for _ in $(seq 300); do
		curl -fsS -o /dev/null "${@:4}" "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench-load: $1 did not come up:" >&2
	tail -5 "$3" >&2
	return 1
}

tck=$(getconf CLK_TCK)
# busy: jiffies all CPUs spent busy so far; pcpu PID: jiffies of one process.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
pcpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# cmdstat PORT: "calls usec" of the script calls: fcall (a check), evalsha (+ eval: a NOSCRIPT
# fallback), and Redis's CPU seconds.
cmdstat() {
	redis-cli -p "$1" info commandstats | tr -d '\r' | awk -F'[:=,]' '
		/^cmdstat_fcall:|^cmdstat_evalsha:|^cmdstat_eval:/ { c += $3; u += $5 }
		END { printf "%d %d", c, u }'
	printf ' '
	redis-cli -p "$1" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.6f\n", s }'
}

echo "# bench-load $(date -u +%FT%TZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
echo "# $("$REDIS_SERVER" --version | cut -d' ' -f1-3), serving $("$SERVE_BIN" version 2>/dev/null || echo gatekeeper), DURATION=$DURATION SWEEP=\"$SWEEP\" backfill ${DAYS}×${PER_DAY}"

# run NAME URL OUTLET SECRET REDISPORT [bench flags...]: one bench run; prints
# one line and leaves the JSON result in $work/last.json.
run() {
	local name=$1 url=$2 outlet=$3 secret=$4 rport=$5
	shift 5
	local load b0 b1 s0 s1 r0 r1 e0 e1 st0 st1
	load=$(cut -d' ' -f1 /proc/loadavg)
	st0=$([ "$rport" != - ] && cmdstat "$rport" || echo "0 0 0")
	b0=$(busy); s0=$(pcpu "$server_pid"); r0=$(pcpu "$redis_pid"); e0=$(pcpu "$empty_pid")
	GATEKEEPER_SECRET=$secret "$BIN" bench --url "$url" --outlet "$outlet" --duration "$DURATION" \
		--post-size "$POST_SIZE" --negative "$NEGATIVE" --json "$@" >"$work/last.json"
	b1=$(busy); s1=$(pcpu "$server_pid"); r1=$(pcpu "$redis_pid"); e1=$(pcpu "$empty_pid")
	st1=$([ "$rport" != - ] && cmdstat "$rport" || echo "0 0 0")
	jq -r --arg name "$name" --arg args "$*" --arg load "$load" --arg st0 "$st0" --arg st1 "$st1" \
		--argjson tck "$tck" --argjson busy "$((b1 - b0))" --argjson srv "$((s1 - s0 + r1 - r0 + e1 - e0))" \
		--argjson svc "$((s1 - s0 + e1 - e0))" --argjson red "$((r1 - r0))" '
		($st0 | split(" ") | map(tonumber)) as $a | ($st1 | split(" ") | map(tonumber)) as $b |
		(.elapsed / 1e9) as $secs | ((.statuses["200"] // 0)) as $ok |
		(.client_cpu / 1e9) as $client |
		(((($busy / $tck) - ($srv / $tck) - $client) / $secs)) as $other |
		"\($name) \($args): \(.rps | floor) req/s, p50 \(.p50 / 1e6 | . * 100 | round / 100) ms, p90 \(.p90 / 1e6 | . * 100 | round / 100) ms, p99 \(.p99 / 1e6 | . * 100 | round / 100) ms" +
		(if .rate then " (target \(.rate | floor)/s, \(.late) late, sent late by \((.late_p99 // 0) / 1e6 | . * 100 | round / 100) ms at p99)" else "" end) +
		", statuses \(.statuses | tostring), decisions \(.decisions | tostring), errors \(.errors)" +
		(if ($b[0] - $a[0]) > 0 then
			", redis \((($b[1] - $a[1]) / ($b[0] - $a[0])) * 10 | round / 10) µs/script call, \((($b[1] - $a[1]) / ([$ok, 1] | max)) * 10 | round / 10) µs and \(((($b[2] - $a[2]) * 1e6) / ([$ok, 1] | max)) * 10 | round / 10) CPU-µs per decision, \((($b[0] - $a[0]) / ([$ok, 1] | max)) * 100 | round / 100) script calls per decision"
		else "" end) +
		"; CPU-µs per request: server+redis \((($svc + $red) / $tck * 1e6 / ([.requests, 1] | max)) | round), server \(($svc / $tck * 1e6 / ([.requests, 1] | max)) | round), client \(($client * 1e6 / ([.requests, 1] | max)) | round)" +
		"; cores: all \(($busy / $tck / $secs) * 100 | round / 100), server \(($svc / $tck / $secs) * 100 | round / 100), redis \(($red / $tck / $secs) * 100 | round / 100), client \(($client / $secs) * 100 | round / 100), others \(($other) * 100 | round / 100); load1 \($load)"
	' "$work/last.json"
}

# profile NAME: with PROFILE, starts a CPU profile of the service as
# $PROFILE/cpu-NAME.pprof for the run about to start (two seconds shorter
# than it, DURATION in seconds, "8s", so it lies inside it) and sets prof
# to the pid to wait for.
profile() {
	prof=
	if [ -n "$PROFILE" ] && [ -n "${admin_port:-}" ]; then
		local secs=5
		[[ $DURATION =~ ^[0-9]+s$ ]] && secs=$(( ${DURATION%s} > 3 ? ${DURATION%s} - 2 : 1 ))
		curl -fsS -o "$PROFILE/cpu-$1.pprof" "http://127.0.0.1:$admin_port/debug/pprof/profile?seconds=$secs" &
		prof=$!
	fi
}

# sweep NAME URL OUTLET SECRET REDISPORT: runs each concurrency; sets peak_rps and peak_c.
sweep() {
	peak_rps=0
	peak_c=0
	local c rps prof
	for c in $SWEEP; do
		sleep 1
		prof=
		[ "$c" != "${SWEEP##* }" ] || profile "${label:-empty}"
		run "$@" --concurrency "$c"
		[ -z "$prof" ] || wait "$prof" || echo "bench-load: no profile of $label" >&2
		rps=$(jq -r '.rps | floor' "$work/last.json")
		if [ "$rps" -gt "$peak_rps" ]; then peak_rps=$rps; peak_c=$c; fi
	done
}

server_pid=0 redis_pid=0 empty_pid=0

# The baseline: an empty Gin handler on the same route, driven the same way.
eport=$(freeport)
"$BIN" bench empty-server --addr "127.0.0.1:$eport" 2>"$work/empty.log" &
empty_pid=$!
pids+=("$empty_pid")
waitfor "http://127.0.0.1:$eport/v1/outlets/x/check" "$empty_pid" "$work/empty.log" -X POST -d '{}'
dummy_secret=whsec_$(head -c 24 /dev/urandom | base64)
echo
echo "## empty handler"
sweep empty "http://127.0.0.1:$eport" bench "$dummy_secret" -
empty_peak=$peak_rps
empty_c=$peak_c
echo "empty peak: $empty_peak req/s at concurrency $empty_c"

# measure LABEL RPORT STOREFLAGS...: serve on the store STOREFLAGS name (RPORT
# is the Redis port, or - for the embedded store), add and backfill an outlet,
# sweep, hold half the peak.
measure() {
	local label=$1 rport=$2
	shift 2
	sport=$(freeport)
	local admin=()
	admin_port=
	if [ -n "$PROFILE" ]; then
		mkdir -p "$PROFILE"
		admin_port=$(freeport)
		admin=(--admin-addr "127.0.0.1:$admin_port")
	fi
	"$SERVE_BIN" serve "$@" --addr "127.0.0.1:$sport" "${admin[@]}" --rate-limit 0 --log-level warn 2>"$work/serve-$label.log" &
	server_pid=$!
	pids+=("$server_pid")
	waitfor "http://127.0.0.1:$sport/readyz" "$server_pid" "$work/serve-$label.log"

	out=$("$SERVE_BIN" outlet add bench --name "Bench" "$@" --json)
	secret=$(jq -r .secret <<<"$out")

	# Backfill: DAYS × PER_DAY posts spread evenly over the window, one in ten negative.
	now=$(date +%s)
	total=$((DAYS * PER_DAY))
	awk -v n="$total" -v now="$now" -v days="$DAYS" 'BEGIN {
		step = days * 86400 / n
		printf "{\"complete\": false, \"posts\": ["
		for (i = 0; i < n; i++) {
			t = now - days * 86400 + (i + 1) * step - 60
			tone = (i % 10 == 0) ? "negative" : "neutral"
			printf "%s{\"id\": \"old-%d\", \"title\": \"Tin số %d của xã\", \"declared_tone\": \"%s\", \"published_at\": \"%s\"}",
				(i ? "," : ""), i, i, tone, strftime("%Y-%m-%dT%H:%M:%SZ", int(t), 1)
		}
		printf "]}\n"
	}' >"$work/sync.json"
	# A sync is idempotent: retried when the service answers 503 (a busy machine).
	for attempt in 1 2 3 4 5; do
		if GATEKEEPER_SECRET=$secret "$BIN" sign --send "http://127.0.0.1:$sport/v1/outlets/bench/sync" "$work/sync.json" \
			>"$work/sync.out" 2>"$work/sync.err"; then
			break
		fi
		[ "$attempt" = 5 ] && { cat "$work/sync.err" "$work/sync.out" >&2; exit 1; }
		sleep 1
	done
	jq -c '{added: (.added | length), unchanged: (.unchanged | length), outside: (.outside_window | length)}' "$work/sync.out" |
		sed 's/^/backfill: /'
	counted=$(GATEKEEPER_SECRET=$secret "$BIN" sign --send "http://127.0.0.1:$sport/v1/outlets/bench/share" 2>/dev/null | jq -r .published)
	[ "$counted" = "$total" ] || { echo "bench-load: backfill counted $counted of $total posts" >&2; exit 1; }
	if [ "$rport" != - ]; then redis-cli -p "$rport" bgrewriteaof >/dev/null; fi
	sleep 2

	sweep service "http://127.0.0.1:$sport" bench "$secret" "$rport"
	svc_peak=$peak_rps
	svc_c=$peak_c
	half=$((svc_peak / 2))
	sleep 1
	profile "$label-half"
	run service-half "http://127.0.0.1:$sport" bench "$secret" "$rport" --rate "$half" --concurrency "$((svc_c > 32 ? svc_c : 32))"
	[ -z "$prof" ] || wait "$prof" || echo "bench-load: no profile of $label-half" >&2
	half_p99=$(jq -r '.p99 / 1e6 | . * 100 | round / 100' "$work/last.json")
	echo "service peak ($label): $svc_peak req/s at concurrency $svc_c = $(awk -v a="$svc_peak" -v b="$empty_peak" 'BEGIN { printf "%.2f", a / b }') × empty ($empty_peak); p99 at half peak ($half/s): $half_p99 ms"
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	server_pid=0
}

for fsync in $FSYNCS; do
	echo
	echo "## service on Redis, appendonly yes, appendfsync $fsync"
	rport=$(freeport)
	rdir="$work/redis-$fsync"
	mkdir -p "$rdir"
	"$REDIS_SERVER" --port "$rport" --bind 127.0.0.1 --dir "$rdir" --save '' \
		--appendonly yes --appendfsync "$fsync" --logfile "$rdir/redis.log" &
	redis_pid=$!
	pids+=("$redis_pid")
	for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
	redis-cli -p "$rport" ping >/dev/null || { tail -5 "$rdir/redis.log" >&2; exit 1; }
	measure "redis-$fsync" "$rport" --redis-url "redis://127.0.0.1:$rport/0"
	echo "redis memory: $(redis-cli -p "$rport" info memory | tr -d '\r' | awk -F: '/^used_memory_human:/ { print $2 }'), keys: $(redis-cli -p "$rport" dbsize)"
	kill "$redis_pid"
	wait "$redis_pid" 2>/dev/null || true
	redis_pid=0
done

if [ "$EMBEDDED" = 1 ]; then
	echo
	echo "## service on the embedded store (SQLite, synchronous=FULL) in $work/data"
	measure embedded - --data "$work/data"
	echo "embedded store: $(du -sh "$work/data" | cut -f1) on disk"
fi
