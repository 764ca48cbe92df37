#!/usr/bin/env bash
# Installs what the tests need, only when it is missing, from Debian's
# packages and npm. Safe to run again; quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
want() { have "$1" || need_apt+=("$2"); }

want redis-server redis-server
want redis-cli redis-tools
want mariadbd mariadb-server
want mariadb mariadb-client
want php php-cli
want phpunit phpunit
want chromium chromium
want msgfmt gettext
want curl curl
want zip zip
[ -f /usr/share/wordpress/wp-load.php ] || need_apt+=(wordpress)
for ext in mysqli curl xml mbstring intl; do
  php -m 2>/dev/null | grep -qi "^$ext\$" || need_apt+=("php-${ext/mysqli/mysql}")
done
[ -d /usr/share/fonts/truetype/liberation ] || need_apt+=(fonts-liberation)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "deps: installing ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: run as root (or install these Debian packages yourself): ${need_apt[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Node packages of the browser tests (playwright-core drives Debian's Chromium; no browser download).
for dir in plugins/wordpress/tests/e2e; do
  if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --silent)
  fi
done
echo "deps: ok"
