#!/usr/bin/env bash
# Translations with Debian's gettext (no wp-cli here):
#   gatekeeper.pot  ← xgettext over the PHP and JS sources
#   gatekeeper-vi.po  (msgmerge keeps the Vietnamese translations in step)
#   gatekeeper-vi.mo  ← msgfmt
#   gatekeeper-vi-<md5 of the script path>.json  ← bin/make-json.php (wp_set_script_translations)
# Fails when a string has no Vietnamese translation (or is fuzzy).
#   --check: build into a temporary copy and fail if the committed files differ.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=$ROOT/gatekeeper
L=$P/languages
CHECK=
if [ "${1:-}" = --check ]; then
  CHECK=$(mktemp -d)
  trap 'rm -rf "$CHECK"' EXIT
  cp -a "$L/." "$CHECK/"
  L=$CHECK
fi
cd "$P"

KW=(--keyword=__ --keyword=_e --keyword=_x:1,2c --keyword=_ex:1,2c --keyword=_n:1,2 --keyword=_nx:1,2,4c
    --keyword=_n_noop:1,2 --keyword=_nx_noop:1,2,3c --keyword=esc_html__ --keyword=esc_html_e
    --keyword=esc_html_x:1,2c --keyword=esc_attr__ --keyword=esc_attr_e --keyword=esc_attr_x:1,2c)
COMMON=(--from-code=UTF-8 --add-comments=translators: --sort-by-file --package-name=Gatekeeper
        --package-version=0.2.0 --msgid-bugs-address=https://github.com/gatekeeper/gatekeeper/issues)

php_files=$(find . -name '*.php' -not -path './languages/*' | sort)
js_files=$(find assets -name '*.js' | sort)
# One run over both, so a string used in PHP and JS keeps both references
# (the language follows the file extension).
xgettext "${COMMON[@]}" "${KW[@]}" -o "$L/gatekeeper.pot.new" $php_files $js_files
# Stable header: no creation date, so an unchanged source gives an unchanged file.
sed -e '/^"POT-Creation-Date:/d' -e 's/^"Content-Type: text\/plain; charset=CHARSET/"Content-Type: text\/plain; charset=UTF-8/' \
    -e '1,/^$/ s/^"Language: \\n"/"Language: \\n"/' "$L/gatekeeper.pot.new" >"$L/gatekeeper.pot"
rm -f "$L/gatekeeper.pot.new"

if [ -f "$L/gatekeeper-vi.po" ]; then
  msgmerge --quiet --update --backup=none --no-fuzzy-matching "$L/gatekeeper-vi.po" "$L/gatekeeper.pot"
else
  msginit --no-translator --locale=vi --input="$L/gatekeeper.pot" --output-file="$L/gatekeeper-vi.po"
fi
msgattrib --no-obsolete -o "$L/gatekeeper-vi.po" "$L/gatekeeper-vi.po"

stats=$(msgfmt --check --statistics -o "$L/gatekeeper-vi.mo" "$L/gatekeeper-vi.po" 2>&1)
echo "i18n: $stats"
if msgattrib --untranslated "$L/gatekeeper-vi.po" | grep -q '^msgid "[^"]'; then
  echo "i18n: untranslated strings:" >&2
  msgattrib --untranslated --no-wrap "$L/gatekeeper-vi.po" | grep '^msgid' >&2
  exit 1
fi
if msgattrib --only-fuzzy "$L/gatekeeper-vi.po" | grep -q '^msgid "[^"]'; then
  echo "i18n: fuzzy strings:" >&2
  msgattrib --only-fuzzy --no-wrap "$L/gatekeeper-vi.po" | grep '^msgid' >&2
  exit 1
fi
php "$ROOT/bin/make-json.php" "$L/gatekeeper-vi.po" vi $js_files

if [ -n "$CHECK" ]; then
  norm() { msgcat --no-location --no-wrap --sort-output "$1"; }
  stale=()
  for f in gatekeeper.pot gatekeeper-vi.po; do
    diff -q <(norm "$P/languages/$f") <(norm "$L/$f") >/dev/null || stale+=("$f")
  done
  diff -q <(msgunfmt "$P/languages/gatekeeper-vi.mo") <(msgunfmt "$L/gatekeeper-vi.mo") >/dev/null || stale+=(gatekeeper-vi.mo)
  for f in "$L"/*.json; do
    cmp -s "$f" "$P/languages/$(basename "$f")" || stale+=("$(basename "$f")")
  done
  if ((${#stale[@]})); then
    echo "i18n: out of date: ${stale[*]} (run plugins/wordpress/bin/i18n.sh and translate)" >&2
    exit 1
  fi
  echo "i18n: committed translation files are up to date"
fi
