#!/usr/bin/env bash
# libquire.so exports exactly the functions include/quire declares QUIRE_API: none of the
# internals (hidden by -fvisibility=hidden), and nothing declared but missing.
set -euo pipefail
src=${QUIRE_SOURCE_DIR:?} bin=${QUIRE_BINARY_DIR:?}
declared=$(cat "$src"/include/quire/*.h "$src"/include/quire/version.h.in | tr '\n' ' ' |
  grep -o 'QUIRE_API[^;(]*(' | sed -E 's/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)\($/\1/' |
  grep '^quire_' | sort -u)
# sanitizer builds add their own symbols (all starting with _)
exported=$(nm -D --defined-only "$bin/libquire.so" | awk '{print $NF}' | grep -v '^_' | sort -u)
if [ "$declared" != "$exported" ]; then
  echo "declared in include/quire (<) vs exported by libquire.so (>):"
  diff <(echo "$declared") <(echo "$exported") || true
  exit 1
fi
echo "libquire.so exports the $(echo "$declared" | wc -l) functions of include/quire, and only them"
