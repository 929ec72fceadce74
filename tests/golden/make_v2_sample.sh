#!/usr/bin/env bash
# make_v2_sample.sh QUIRE_INDEX - rebuild tests/golden/v2-sample: the five sample articles
# of tests/data indexed by a quire-index of format version 2 (the one of commit 22bbed9:
# `git archive 22bbed9 | tar -x -C /tmp/v2 && cmake -S /tmp/v2 -B /tmp/v2/build && cmake
# --build /tmp/v2/build`), run from tests/data so that the ids are the file names. The
# tests read it to check that a version-3 reader still reads version-2 segments (no text
# maps: passages tokenise from the start of the text and give the same passages).
set -euo pipefail
bin=${1:?usage: make_v2_sample.sh PATH/TO/quire-index (format version 2)}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$here/v2-sample"
(cd "$here/../data" && "$bin" -q "$here/v2-sample" 00?_*.txt)
rm -f "$here/v2-sample/LOCK"
