#!/usr/bin/env bash
# Gatekeeper WordPress plugin: the whole test run, against real components.
#
#   plugins/wordpress/tests/run.sh
#
# Starts a private MariaDB (own datadir, free port), a real redis-server and
# the real gatekeeper binary (built from ./cmd/gatekeeper) on free ports
# (`serve --redis-url`: no embedded store; a build without Redis fails),
# configures Debian's WordPress 6.1 for a unique loopback address
# (/etc/wordpress/config-127.x.y.z.php, removed on exit) with the plugin in a
# private plugin dir, serves it with `php -S`, then runs PHPUnit (every publish
# path, callbacks, outbox, review, sync) and the end-to-end test in headless
# Chromium (playwright-core + /usr/bin/chromium): the editor's hold verdict,
# approval in the Gatekeeper console, the signed callback that publishes.
# Everything is torn down on exit.
#
# Needs the packages of tests/install-deps.sh. Missing ones: FAIL when
# GATEKEEPER_REQUIRE_ALL=1, otherwise SKIP (exit 0, said loudly).
# GATEKEEPER_BIN=path uses a prebuilt binary instead of building one.
# KEEP=1 keeps the run directory (logs, debug.log) for inspection.
set -Eeuo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PLUGIN_ROOT=$(cd "$HERE/.." && pwd)
REPO=$(cd "$PLUGIN_ROOT/../.." && pwd)
T0=$(date +%s)

say() { printf 'run.sh: %s\n' "$*" >&2; }

missing=()
for b in mariadbd mariadb-install-db mariadb php phpunit redis-server redis-cli node curl msgfmt zip unzip; do
  command -v "$b" >/dev/null || missing+=("$b")
done
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/wordpress/wp-load.php ] || missing+=(wordpress)
[ -d "$HERE/e2e/node_modules/playwright-core" ] || missing+=("playwright-core (npm ci in tests/e2e)")
if [ -z "${GATEKEEPER_BIN:-}" ]; then
  command -v go >/dev/null || missing+=(go)
  [ -d "$REPO/cmd/gatekeeper" ] || missing+=("$REPO/cmd/gatekeeper")
fi
if ((${#missing[@]})); then
  if [ "${GATEKEEPER_REQUIRE_ALL:-}" = 1 ]; then
    say "FAIL: missing ${missing[*]} (run plugins/wordpress/tests/install-deps.sh)"
    exit 1
  fi
  say "SKIPPED: missing ${missing[*]} (run plugins/wordpress/tests/install-deps.sh; GATEKEEPER_REQUIRE_ALL=1 makes this a failure)"
  exit 0
fi

RUN=$(mktemp -d /tmp/gk-wp.XXXXXX)
chmod 755 "$RUN"
PIDS=()
PHP_PGID=
CONF=
cleanup() {
  local rc=$?
  set +e
  [ -n "$PHP_PGID" ] && kill -- "-$PHP_PGID" 2>/dev/null
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[$i]}" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  [ -n "$PHP_PGID" ] && wait "$PHP_PGID" 2>/dev/null
  [ -n "$CONF" ] && rm -f "$CONF"
  if [ "${KEEP:-}" = 1 ]; then
    say "kept $RUN"
  else
    rm -rf "$RUN"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  php -r '$s = stream_socket_server("tcp://" . $argv[1] . ":0", $e, $m); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);' "$1"
}
wait_http() { # url, what, pid
  for _ in $(seq 1 200); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    kill -0 "$3" 2>/dev/null || { say "$2 exited"; return 1; }
    sleep 0.05
  done
  say "$2 did not come up at $1"
  return 1
}

# A loopback address of our own: Debian's wp-config.php picks
# /etc/wordpress/config-<host>.php, so a unique host keeps runs apart.
while :; do
  IP="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
  [ -e "/etc/wordpress/config-$IP.php" ] || break
done

# --- gatekeeper binary ------------------------------------------------------
if [ -n "${GATEKEEPER_BIN:-}" ]; then
  GK=$GATEKEEPER_BIN
else
  GK=$RUN/gatekeeper
  say "building ./cmd/gatekeeper"
  (cd "$REPO" && go build -o "$GK" ./cmd/gatekeeper)
fi

# --- redis + gatekeeper -------------------------------------------------------
RPORT=$(free_port "$IP")
redis-server --bind "$IP" --port "$RPORT" --save '' --appendonly no --dir "$RUN" \
  --logfile "$RUN/redis.log" --protected-mode no >/dev/null &
PIDS+=($!)
for _ in $(seq 1 100); do redis-cli -h "$IP" -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -h "$IP" -p "$RPORT" ping 2>/dev/null | grep -q PONG || { say "redis-server did not come up"; cat "$RUN/redis.log" >&2; exit 1; }
REDIS_URL="redis://$IP:$RPORT/0"

GPORT=$(free_port "$IP")
GK_URL="http://$IP:$GPORT"
STORE_ARGS=(--redis-url "$REDIS_URL")
# Callbacks are polled every 300 ms here (default 2 s) so an approval reaches WordPress quickly.
# No legacy signatures: the plugin must sign every request bound to its method and path
# (GK_LEGACY_SIGNING_UNTIL=YYYY-MM-DD runs a previous plugin against this service).
"$GK" serve --addr "$IP:$GPORT" "${STORE_ARGS[@]}" --public-url "$GK_URL" --callback-interval 300ms \
  --legacy-signing-until "${GK_LEGACY_SIGNING_UNTIL:-}" --log-format text >"$RUN/gatekeeper.log" 2>&1 &
PIDS+=($!)
if ! wait_http "$GK_URL/healthz" gatekeeper "${PIDS[-1]}"; then
  cat "$RUN/gatekeeper.log" >&2
  exit 1
fi
grep -q 'store=redis' "$RUN/gatekeeper.log" || { say "gatekeeper is not using Redis:"; head -n 3 "$RUN/gatekeeper.log" >&2; exit 1; }

# --- MariaDB ----------------------------------------------------------------
DBPORT=$(free_port 127.0.0.1)
mkdir -p "$RUN/db" && chown mysql:mysql "$RUN" "$RUN/db"
mariadb-install-db --no-defaults --user=mysql --datadir="$RUN/db" --auth-root-authentication-method=normal \
  --skip-test-db >"$RUN/mariadb-install.log" 2>&1
mariadbd --no-defaults --user=mysql --datadir="$RUN/db" --socket="$RUN/mysqld.sock" --pid-file="$RUN/mysqld.pid" \
  --bind-address=127.0.0.1 --port="$DBPORT" --skip-name-resolve --skip-log-bin \
  --innodb-buffer-pool-size=32M --log-error="$RUN/mysqld.err" &
PIDS+=($!)
for _ in $(seq 1 200); do mariadb-admin --no-defaults --socket="$RUN/mysqld.sock" -uroot ping >/dev/null 2>&1 && break; sleep 0.05; done
mariadb --no-defaults --socket="$RUN/mysqld.sock" -uroot -e "CREATE DATABASE wp; CREATE USER 'wp'@'127.0.0.1' IDENTIFIED BY 'wp'; GRANT ALL ON wp.* TO 'wp'@'127.0.0.1';"

# --- WordPress ----------------------------------------------------------------
WPORT=$(free_port "$IP")
WP_HOST="$IP:$WPORT"
WP_URL="http://$WP_HOST"
mkdir -p "$RUN/plugins" "$RUN/mu-plugins"
cp "$HERE/lib/mu-classic-editor.php" "$RUN/mu-plugins/"
# The plugin as users get it: built into the zip and unpacked (GK_PLUGIN_LINK=1 links the source instead).
if [ "${GK_PLUGIN_LINK:-}" = 1 ]; then
  ln -s "$PLUGIN_ROOT/gatekeeper" "$RUN/plugins/gatekeeper"
else
  "$PLUGIN_ROOT/bin/build-zip.sh" "$RUN" >&2
  unzip -q "$RUN"/gatekeeper-*.zip -d "$RUN/plugins"
fi
CONF=/etc/wordpress/config-$IP.php
salt() { head -c 48 /dev/urandom | base64 | tr -d '\n/+='; }
cat >"$CONF" <<PHP
<?php
// Written by plugins/wordpress/tests/run.sh for one test run; removed when it ends.
define('DB_NAME', 'wp');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp');
define('DB_HOST', '127.0.0.1:$DBPORT');
define('DB_CHARSET', 'utf8mb4'); // As wp-config-sample.php: Vietnamese stored as UTF-8, not in latin1 tables.
define('DB_COLLATE', '');
define('WP_HOME', '$WP_URL');
define('WP_SITEURL', '$WP_URL');
define('WP_CONTENT_URL', '$WP_URL/wp-content');
define('WP_PLUGIN_DIR', '$RUN/plugins');
define('WP_PLUGIN_URL', '$WP_URL/wp-content/plugins');
define('WPMU_PLUGIN_DIR', '$RUN/mu-plugins');
define('WP_DEBUG', true);
define('WP_DEBUG_LOG', '$RUN/debug.log');
define('WP_DEBUG_DISPLAY', false);
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_ENVIRONMENT_TYPE', 'local');
define('AUTOMATIC_UPDATER_DISABLED', true);
define('AUTH_KEY', '$(salt)'); define('SECURE_AUTH_KEY', '$(salt)');
define('LOGGED_IN_KEY', '$(salt)'); define('NONCE_KEY', '$(salt)');
define('AUTH_SALT', '$(salt)'); define('SECURE_AUTH_SALT', '$(salt)');
define('LOGGED_IN_SALT', '$(salt)'); define('NONCE_SALT', '$(salt)');
\$table_prefix = 'wp_';
PHP

CALLBACK="$WP_URL/?rest_route=/gatekeeper/v1/callback"
OUT=$("$GK" outlet add wp-e2e --name "Cổng thông tin huyện" --json --callback-url "$CALLBACK" --allow-private-callback "${STORE_ARGS[@]}")
SECRET=$(printf '%s' "$OUT" | php -r '$o = json_decode(stream_get_contents(STDIN), true); echo $o["secret"] ?? "";')
[ -n "$SECRET" ] || { say "outlet add printed no secret: $OUT"; exit 1; }
# The outlet's manager in the Gatekeeper console.
CONSOLE_USER=truongban
CONSOLE_PASS=$(head -c 18 /dev/urandom | base64 | tr -d '\n/+=')
printf '%s\n' "$CONSOLE_PASS" | "$GK" user add "$CONSOLE_USER" --role manager --outlets wp-e2e --password-stdin "${STORE_ARGS[@]}" \
  >"$RUN/user-add.log" 2>&1 || { cat "$RUN/user-add.log" >&2; exit 1; }

php "$HERE/lib/wp-install.php" "$WP_HOST" gatekeeper/gatekeeper.php "$GK_URL" wp-e2e "$SECRET" >"$RUN/install.log" 2>&1 \
  || { cat "$RUN/install.log" >&2; exit 1; }

GK_PLUGIN_DIR="$RUN/plugins" PHP_CLI_SERVER_WORKERS=4 setsid php -S "$WP_HOST" -t /usr/share/wordpress \
  "$HERE/lib/router.php" >"$RUN/php-server.log" 2>&1 &
PHP_PGID=$!
wait_http "$WP_URL/wp-login.php" "php -S" "$PHP_PGID"
say "up in $(( $(date +%s) - T0 ))s: WordPress $WP_URL, gatekeeper $GK_URL (${STORE_ARGS[*]}), mariadb :$DBPORT"

GK_STORE_ARGS="${STORE_ARGS[*]}"
export WP_HOST WP_URL GK_URL GK_BIN="$GK" GK_STORE_ARGS RUN_DIR="$RUN" CALLBACK_URL="$CALLBACK"
export GK_E2E_OUTLET=wp-e2e GK_E2E_SECRET="$SECRET" GK_CONSOLE_USER="$CONSOLE_USER" GK_CONSOLE_PASS="$CONSOLE_PASS"

# --- end to end in headless Chromium (first: PHPUnit repoints the plugin at its own outlets)
set +e
if [ -n "${PHPUNIT_FILTER:-}" ]; then
  # Only the PHPUnit tests named (make test-attacks); the e2e is not part of this run.
  echo "e2e: not part of this run (PHPUNIT_FILTER=$PHPUNIT_FILTER)" | tee "$RUN/e2e.log"
  E2E_RC=0
else
  node "$HERE/e2e/publish-held.spec.js" 2>&1 | tee "$RUN/e2e.log"
  E2E_RC=${PIPESTATUS[0]}
fi

# --- PHPUnit ------------------------------------------------------------------
phpunit --colors=never --do-not-cache-result --bootstrap "$HERE/php/bootstrap.php" ${PHPUNIT_FILTER:+--filter "$PHPUNIT_FILTER"} "$HERE/php" 2>&1 | tee "$RUN/phpunit.log"
PHPUNIT_RC=${PIPESTATUS[0]}

# --- translations up to date, uninstall leaves nothing ---------------------------
"$PLUGIN_ROOT/bin/i18n.sh" --check
I18N_RC=$?
php "$HERE/lib/uninstall-check.php" "$WP_HOST"
UNINSTALL_RC=$?

set -e

# --- no notices from the plugin ------------------------------------------------
NOTICE_RC=0
if [ -f "$RUN/debug.log" ] && grep -E 'PHP (Warning|Notice|Deprecated|Fatal error|Parse error)' "$RUN/debug.log" | grep -q "gatekeeper/"; then
  say "PHP notices from the plugin in debug.log:"
  grep -E 'PHP (Warning|Notice|Deprecated|Fatal error|Parse error)' "$RUN/debug.log" | grep "gatekeeper/" | sort | uniq -c >&2
  NOTICE_RC=1
fi

REDIS_KEYS=$(redis-cli -h "$IP" -p "$RPORT" --scan --pattern '{o:wp-e2e}:*' 2>/dev/null | wc -l)
REDIS_RC=0
[ "$REDIS_KEYS" -gt 0 ] || REDIS_RC=1

echo
echo "== summary ($(( $(date +%s) - T0 ))s)"
echo "phpunit: $(grep -E '^(OK|FAILURES!|ERRORS!|Tests:|No tests|Time:)' "$RUN/phpunit.log" | tail -3 | tr '\n' ' ')"
echo "e2e:     $(tail -n 1 "$RUN/e2e.log")"
echo "redis:   $([ $REDIS_RC = 0 ] && echo "the e2e outlet lives in redis-server ($REDIS_KEYS keys)" || echo 'FAILED: no key of the e2e outlet in Redis')"
echo "debug.log: $([ $NOTICE_RC = 0 ] && echo 'no plugin notices' || echo 'plugin notices found')"
echo "i18n: $([ $I18N_RC = 0 ] && echo 'up to date, complete' || echo 'FAILED')   uninstall: $([ $UNINSTALL_RC = 0 ] && echo ok || echo FAILED)"
if [ $PHPUNIT_RC -ne 0 ] || [ $E2E_RC -ne 0 ] || [ $NOTICE_RC -ne 0 ] || [ $I18N_RC -ne 0 ] || [ $UNINSTALL_RC -ne 0 ] || [ $REDIS_RC -ne 0 ]; then
  echo "FAIL"
  exit 1
fi
echo "PASS"
