#!/usr/bin/env bash
# Installs what `make test` needs, only what is missing, from Debian's
# packages and npm (never a browser download). Safe to run again; quick when
# everything is there. Run as root on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# Redis, MariaDB, WordPress, PHP, PHPUnit, Chromium, gettext and the npm
# packages of the WordPress browser test.
plugins/wordpress/tests/install-deps.sh

# The deployment checks: promtool (Debian's prometheus package; it starts no
# service here) and systemd-analyze.
extra=()
command -v promtool >/dev/null || extra+=(prometheus)
command -v systemd-analyze >/dev/null || extra+=(systemd)
command -v redis-cli >/dev/null || extra+=(redis-tools)
# The PDF report tests read the PDFs back with pdftotext, pdffonts, pdfinfo.
command -v pdftotext >/dev/null || extra+=(poppler-utils)
if ((${#extra[@]})); then
  echo "deps: installing ${extra[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${extra[@]}" >/dev/null || {
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${extra[@]}" >/dev/null
  }
fi
echo "deps: ok"
