#!/usr/bin/env bash
# Builds the installable plugin zip: dist/gatekeeper-<version>.zip with one
# top-level folder "gatekeeper/" (what Plugins → Add New → Upload expects).
# Usage: plugins/wordpress/bin/build-zip.sh [OUT_DIR]   (default plugins/wordpress/dist)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/dist}
VERSION=$(sed -n 's/^ \* Version: *//p' "$ROOT/gatekeeper/gatekeeper.php" | head -1)
[ -n "$VERSION" ] || { echo "build-zip: no Version header" >&2; exit 1; }
grep -q "define( 'GATEKEEPER_VERSION', '$VERSION' )" "$ROOT/gatekeeper/gatekeeper.php" \
  || { echo "build-zip: GATEKEEPER_VERSION differs from the Version header" >&2; exit 1; }
grep -q "^Stable tag: $VERSION\$" "$ROOT/gatekeeper/readme.txt" \
  || { echo "build-zip: readme.txt Stable tag differs from $VERSION" >&2; exit 1; }

"$ROOT/bin/i18n.sh" --check >/dev/null
for f in $(find "$ROOT/gatekeeper" -name '*.php'); do php -l "$f" >/dev/null; done

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd) # the zip is written from another directory
# Copy only what ships (no editor backups, no dotfiles).
(cd "$ROOT" && find gatekeeper -type f \( -name '*.php' -o -name '*.js' -o -name '*.css' -o -name '*.json' \
   -o -name '*.po' -o -name '*.pot' -o -name '*.mo' -o -name 'readme.txt' \) -not -path '*/.*' -print0 \
  | xargs -0 cp --parents -t "$STAGE")
ZIP=$OUT/gatekeeper-$VERSION.zip
rm -f "$ZIP"
(cd "$STAGE" && TZ=UTC find gatekeeper -exec touch -d '2026-01-01 00:00:00' {} + && find gatekeeper -type f | LC_ALL=C sort | zip -q -X "$ZIP" -@)
echo "build-zip: $ZIP ($(unzip -Z1 "$ZIP" | wc -l) files)"
