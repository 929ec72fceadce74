#!/usr/bin/env bash
# make_index.sh QUIRE_INDEX OUT - build a golden index from two articles of the sample
# corpus (000, 003) and the golden JSON Lines files (README.md): two runs, the second
# replacing g010 and deleting g007 and g150, so the index has two segments, a deletion
# file and id indexes. The LOCK file is left out (readers do not need it).
# OUT must be an absolute path. tests/format/test_golden.c runs the same two commands to
# build a fresh index and compares it with the committed one.
set -euo pipefail
qi=$1
out=$2
cd "$(dirname "$0")/../data" # the articles' ids are their paths from there
rm -rf "$out"
# The two articles as the version-2 writer read them (tests/golden/articles.jsonl, from
# `quire-query --show ID --format json tests/golden/v2`): the plain-text title rules changed
# since (issue #10), so the .txt files would now give other titles and texts. The golden
# itself was written from 000_9f4ac158bb6fb716.txt and 003_b377222dc834d2b2.txt.
"$qi" --quiet --threads 1 "$out" ../golden/articles.jsonl ../golden/part1.jsonl
"$qi" --quiet --threads 1 --delete g007 --delete g150 "$out" ../golden/part2.jsonl
rm -f "$out/LOCK"
