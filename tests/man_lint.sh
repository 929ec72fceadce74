#!/usr/bin/env bash
# The man pages (man/, as configured into the build tree) have no roff or man(7) mistakes:
# `mandoc -T lint` at warning level, and groff's warnings through `man --warnings` when
# man-db is installed. Either printing anything fails the test.
set -euo pipefail
pages=("${QUIRE_BINARY_DIR:?}"/man/*.[15])
[ ${#pages[@]} -eq 3 ] || { echo "expected 3 man pages, found ${#pages[@]}"; exit 1; }
status=0
if ! command -v mandoc >/dev/null; then
  echo "mandoc is missing (scripts/install-deps.sh installs it)"
  exit 1
fi
for p in "${pages[@]}"; do
  out=$(mandoc -T lint -W warning "$p" 2>&1) || true
  if [ -n "$out" ]; then echo "$out"; status=1; fi
  if command -v man >/dev/null; then
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$p" 2>&1 >/dev/null) || true
    if [ -n "$out" ]; then echo "$p: $out"; status=1; fi
  fi
  grep -q '@VERSION@' "$p" && { echo "$p: version not filled in"; status=1; }
done
[ $status -eq 0 ] && echo "${#pages[@]} man pages lint clean"
exit $status
