#!/usr/bin/env bash
# callgrind_each.sh OBJ INDEX QUERIES [OUT] - instructions of each query, deterministic
# (valgrind --tool=callgrind counting only inside search_query(), as callgrind_queries.sh
# does): quire-query --batch over a file holding that one query, top 10, no passages.
# Prints "qid<TAB>instructions<TAB>query", one line per query of QUERIES (qid<TAB>query).
# Compare two builds or two indexes of one corpus query by query (e.g. with and without
# pair terms: QUIRE_NO_PAIRS=1 at indexing) and list the costliest.
set -euo pipefail
obj=$1
idx=$2
queries=$3
out=${4:-$(mktemp -d)}
mkdir -p "$out"
grep -v '^#' "$queries" | while IFS=$'\t' read -r qid query; do
    printf '%s\t%s\n' "$qid" "$query" >"$out/q.tsv"
    valgrind --tool=callgrind --toggle-collect=search_query --callgrind-out-file="$out/q.cg" \
        "$obj/quire-query" --batch "$out/q.tsv" --passages 0 -k 10 --format json "$idx" \
        >/dev/null 2>"$out/q.log"
    printf '%s\t%s\t%s\n' "$qid" "$(awk '/^summary:/{print $2}' "$out/q.cg")" "$query"
done
