#!/usr/bin/env bash
# The main job, end to end: build quire, index the sample corpus (five news articles in
# tests/data), and search it. The index goes to ${QUIRE_DEMO_INDEX:-/tmp/quire-sample}.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF -DQUIRE_BENCH=OFF >/dev/null
cmake --build build/release -j"$(nproc)" >/dev/null
index=${QUIRE_DEMO_INDEX:-/tmp/quire-sample}
rm -rf "$index"
set -x
build/release/quire-index "$index" tests/data/*.txt
build/release/quire-query "$index" Putin expects a visit
build/release/quire-query "$index" Uzbekistan
