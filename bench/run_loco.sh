#!/usr/bin/env bash
# run_loco.sh - how quire's ranking defaults and options' parameters are chosen without
# tuning on the collection reported: leave one collection out (bench/loco.py). Each group
# lists, in an order fixed before measuring, the values a default may take; every value is
# run on the seven test collections (quire-query --batch --any --plain -k 1000 on
# queries.tsv as distributed, nDCG@10 by bench_trec_eval -c), and for each collection the
# value with the best mean over the other six is "chosen without it". A default is kept
# only where every fold chooses it. Groups: bm25 (k1, b among the peers' defaults),
# stopwords (left out of a ranked OR or kept), title (--title-weight), proximity, rm3.
#
#   bench/run_loco.sh [--obj DIR] [--out DIR] [--grid] [--groups "bm25 stopwords ..."]
#
#   --obj DIR   a Release build (quire-index, quire-query, bench/bench_trec_eval); default:
#               build the working tree into bench/build/obj-worktree
#   --out DIR   where the runs, loco.tsv and loco.md go (default bench/out/loco-<time>)
#   --grid      also a k1 x b grid (0.5..2.0 x 0.3..0.9, 30 values), as a check of the
#               choice among the peers' defaults
#   --groups    the groups to run (default: all but the grid)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpora=$(cd "$root/../shared/corpora" 2>/dev/null && pwd || echo /work/shared/corpora)
collections="scifact cranfield cisi cacm medline lisa adi"
obj=""
out=""
groups="bm25 stopwords title proximity rm3"
grid=0
while [ $# -gt 0 ]; do
    case "$1" in
    --obj) obj=$2; shift ;;
    --out) out=$2; shift ;;
    --grid) grid=1 ;;
    --groups) groups=$2; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run_loco.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ "$grid" = 1 ] && groups="$groups grid"

if [ -z "$obj" ]; then
    obj="$here/build/obj-worktree"
    cmake -S "$root" -B "$obj" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF >/dev/null
    cmake --build "$obj" -j2 >"$obj/build.log" 2>&1 || { tail -30 "$obj/build.log"; exit 1; }
fi
obj=$(cd "$obj" && pwd)
[ -n "$out" ] || out="$here/out/loco-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-loco-XXXXXX")
trap 'rm -rf "$work"' EXIT
qi="$obj/quire-index" qq="$obj/quire-query" ev="$obj/bench/bench_trec_eval"

# The candidates: group<TAB>name<TAB>quire-query options.
candidates() {
    for g in $groups; do
        case $g in
        bm25) # the defaults of the engines quire is compared with, quire's old one first
            printf 'bm25\t%s\t%s\n' \
                "k1 0.9 b 0.4 (Anserini; quire before)" "--k1 0.9 --b 0.4" \
                "k1 1.0 b 0.5 (Xapian)" "--k1 1.0 --b 0.5" \
                "k1 1.2 b 0.75 (Lucene, FTS5)" "--k1 1.2 --b 0.75" ;;
        stopwords)
            printf 'stopwords\t%s\t%s\n' \
                "kept" "--keep-stopwords" \
                "left out (Lucene's 33)" "" ;;
        title) # BM25F's title weight: 1 is BM25
            for w in 1 1.5 2 3 4 5 8; do
                printf 'title\t%s\t%s\n' "title weight $w" "--title-weight $w"
            done ;;
        proximity)
            printf 'proximity\t%s\t%s\n' "off" "" "on (--proximity)" "--proximity" ;;
        rm3)
            printf 'rm3\t%s\t%s\n' "off" "" "on (--rm3: 10 documents, 10 terms, weight 0.5)" "--rm3" ;;
        grid)
            for k1 in 0.5 0.9 1.2 1.5 2.0; do
                for b in 0.3 0.4 0.5 0.6 0.75 0.9; do
                    printf 'grid\tk1 %s b %s\t--k1 %s --b %s\n' "$k1" "$b" "$k1" "$b"
                done
            done ;;
        *) echo "run_loco.sh: unknown group $g" >&2; exit 2 ;;
        esac
    done
}
candidates >"$out/candidates.tsv"

: >"$out/loco.tsv"
for c in $collections; do
    dir="$corpora/$c"
    echo "run_loco.sh: $c" >&2
    "$qi" -q "$work/$c" "$dir/corpus.jsonl.gz"
    n=0
    while IFS=$'\t' read -r g name flags; do
        n=$((n + 1))
        run="$out/$c.$n.run"
        # shellcheck disable=SC2086 # flags are words
        "$qq" --batch "$dir/queries.tsv" --any --plain -k 1000 $flags "$work/$c" 2>/dev/null |
            awk '!seen[$1" "$3]++' >"$run" # CACM's two documents 28: the best rank kept
        v=$("$ev" -c "$dir/qrels.txt" "$run" 2>/dev/null | awk '$1=="ndcg_cut_10" && $2=="all" {print $3}')
        printf '%s\t%s\t%s\t%s\n' "$g" "$name" "$c" "$v" >>"$out/loco.tsv"
        rm -f "$run"
    done <"$out/candidates.tsv"
    rm -rf "${work:?}/$c"
done
{
    echo "### Leave-one-collection-out choices (nDCG@10; bench/run_loco.sh)"
    echo
    python3 "$here/loco.py" "$out/loco.tsv"
} >"$out/loco.md"
cat "$out/loco.md"
echo "run_loco.sh: results in $out" >&2
