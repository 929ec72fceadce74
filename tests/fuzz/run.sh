#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan + UBSan, build/fuzz) and run each for a while.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     default: 600 seconds each, every target
# Targets run one after another (the machine is shared). Each keeps a growing corpus in
# build/fuzz/corpus-long/<target> (seeded from tests/fuzz/seeds/<target>); a finding is
# written to build/fuzz/findings/<target>/ and stops that target. The log of each run is
# build/fuzz/logs/<target>.log; the summary gives executions and findings per target.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
shift || true
build=build/fuzz
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIRE_FUZZ=ON \
  -DQUIRE_TESTS=OFF -DQUIRE_BENCH=OFF >/dev/null || exit 2
if ! cmake --build "$build" -j2 >"$build/build.log" 2>&1; then
  # a shared tree may be mid-edit: run what was built last, and say so
  echo "warning: the build failed (see $build/build.log); running the targets built before"
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do
    t=$(basename "$f" .c)
    [ "$t" = fuzz_common ] || targets+=("${t#fuzz_}")
  done
fi
mkdir -p "$build/logs"
status=0
for t in "${targets[@]}"; do
  [ -x "$build/tests/fuzz/fuzz_$t" ] || { echo "== $t: not built"; status=1; continue; }
  corpus=$build/corpus-long/$t
  findings=$build/findings/$t
  mkdir -p "$corpus" "$findings"
  log=$build/logs/$t.log
  echo "== $t: $seconds s ($(date -u +%H:%M:%S))"
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "tests/fuzz/seeds/$t" \
    >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}')
  echo "   exit $rc, ${execs:-?} executions${secs:+ in $secs s}, corpus $(ls "$corpus" | wc -l)," \
    "findings: $(ls "$findings" | wc -l)"
  [ $rc -eq 0 ] || { status=1; grep -m3 -E 'ERROR|SUMMARY|check failed' "$log" | sed 's/^/   /'; }
done
exit $status
