#!/usr/bin/env bash
# Build and run every test twice: a normal build with -Werror, then the same under
# AddressSanitizer + UndefinedBehaviorSanitizer; then the fuzz targets (clang + libFuzzer):
# their seeds replayed and each run for a few seconds (tests/fuzz/run.sh runs them longer).
# After the first build, scripts/test_install.sh installs it and builds examples/ against it.
# Build trees: build/test, build/asan, build/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
run() {
  local dir=$1; shift
  echo "== $dir: $*"
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest --output-on-failure -j"$jobs")
}
run build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIRE_WERROR=ON
# Install build/test into a temporary prefix; build and run examples/ against it through
# pkg-config and find_package(quire).
scripts/test_install.sh build/test
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run build/asan -DCMAKE_BUILD_TYPE=Debug -DQUIRE_WERROR=ON -DQUIRE_SANITIZE=ON
run build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIRE_FUZZ=ON \
  -DQUIRE_TESTS=OFF -DQUIRE_BENCH=OFF
