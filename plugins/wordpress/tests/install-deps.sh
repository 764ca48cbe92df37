#!/usr/bin/env bash
# Installs what plugins/wordpress/tests/run.sh needs, idempotently:
# Debian packages (WordPress 6.1 with its translations (wordpress-l10n: vi.mo for the
# Vietnamese admin), PHP 8.2, MariaDB, Chromium, PHPUnit, gettext,
# redis-server) and playwright-core from npm (pinned; no browser download —
# the test drives Debian's /usr/bin/chromium).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

PKGS=(wordpress wordpress-l10n wordpress-theme-twentytwentythree php-cli php-mysql php-curl php-xml php-mbstring php-intl
      mariadb-server mariadb-client chromium fonts-liberation phpunit gettext
      redis-server curl zip unzip)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
  fi
else
  echo "install-deps: Debian packages present"
fi

# Node.js and npm: any recent install will do (Debian's nodejs/npm, or NodeSource's
# nodejs which bundles npm and conflicts with Debian's npm package).
if ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
fi

# playwright-core, pinned in tests/e2e/package-lock.json. Never download browsers.
cd "$HERE/e2e"
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
echo "install-deps: done"
