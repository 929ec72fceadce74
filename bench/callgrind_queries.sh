#!/usr/bin/env bash
# callgrind_queries.sh OBJ INDEX QUERIES [OUT] - instructions per query class, deterministic
# (valgrind --tool=callgrind, counting only inside search_query(), so opening the index and
# printing are left out): for each class of QUERIES (bench/queries/*.quire.tsv, the qid's
# prefix before '-'), quire-query --batch over its queries, top 10, and again with one
# passage per hit for the or and phrase classes. Prints "class instructions-per-query".
# Compare two builds (OBJ) on indexes of the same corpus; the machine's load does not move
# these figures.
set -euo pipefail
obj=$1
idx=$2
queries=$3
out=${4:-$(mktemp -d)}
mkdir -p "$out"
classes=$(grep -v '^#' "$queries" | cut -f1 | sed 's/-.*//' | sort -u)
one() { # name passages file
    local name=$1 passages=$2 file=$3
    local n
    n=$(wc -l <"$file")
    valgrind --tool=callgrind --toggle-collect=search_query --callgrind-out-file="$out/$name.cg" \
        "$obj/quire-query" --batch "$file" --passages "$passages" -k 10 --format json "$idx" \
        >/dev/null 2>"$out/$name.log"
    local ir
    ir=$(awk '/^summary:/{print $2}' "$out/$name.cg")
    printf '%-18s %12.0f\n' "$name" "$(echo "$ir / $n" | bc -l)"
}
for c in $classes; do
    grep "^$c-" "$queries" >"$out/$c.tsv"
    one "$c" 0 "$out/$c.tsv"
    case $c in or | phrase) one "$c+passages" 1 "$out/$c.tsv" ;; esac
done
