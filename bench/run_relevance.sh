#!/usr/bin/env bash
# run_relevance.sh - relevance of quire, Xapian and SQLite FTS5 on every test collection of
# ../shared/corpora with qrels (SciFact, Cranfield, CISI, CACM, MEDLINE, LISA, ADI), with
# trec_eval's definitions (bench/treceval.h): nDCG@10, MAP, Recall@100, P@10.
#
#   bench/run_relevance.sh [--obj DIR] [--out DIR] [--collections "scifact cranfield ..."]
#
#   --obj DIR      a Release build with quire-index, quire-query, bench/bench_trec_eval and
#                  the peers (bench/xapian_index, xapian_search, fts5_index, fts5_search);
#                  default: build the working tree into bench/build/obj-worktree
#   --out DIR      where runs, per-query timings and relevance.md go
#                  (default bench/out/relevance-<time>)
#
# Each collection is indexed (title and text) by each engine; its queries.tsv is turned
# into the same bag of words for all three engines by relevance_queries.py (lower-cased,
# every character that is not a letter, digit or apostrophe replaced by a space: nothing
# left that an engine would read as an operator; each engine's analyzer stems the words),
# run top 1000 (quire: --batch --any -k 1000, ranked OR; Xapian: QueryParser, default OR,
# BM25; FTS5: "w1" OR "w2" ..., ORDER BY bm25), each engine in one process with a
# per-query monotonic clock (--timings), and evaluated with bench_trec_eval -c: the mean
# is over every query with a relevant document in the qrels, a query with no result
# scoring 0. A missing peer's columns are left empty.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpora=$(cd "$root/../shared/corpora" 2>/dev/null && pwd || echo /work/shared/corpora)
obj=""
out=""
collections="scifact cranfield cisi cacm medline lisa adi"

while [ $# -gt 0 ]; do
    case "$1" in
    --obj) obj=$2; shift ;;
    --out) out=$2; shift ;;
    --collections) collections=$2; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "run_relevance.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ -z "$obj" ]; then
    obj="$here/build/obj-worktree"
    cmake -S "$root" -B "$obj" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF >/dev/null
    cmake --build "$obj" -j2 >"$obj/build.log" 2>&1 || { tail -30 "$obj/build.log"; exit 1; }
fi
obj=$(cd "$obj" && pwd)
[ -n "$out" ] || out="$here/out/relevance-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-relevance-XXXXXX")
trap 'rm -rf "$work"' EXIT

qi="$obj/quire-index" qq="$obj/quire-query" ev="$obj/bench/bench_trec_eval"
engines="quire"
[ -x "$obj/bench/xapian_search" ] && engines="$engines xapian"
[ -x "$obj/bench/fts5_search" ] && engines="$engines fts5"

# published BM25 nDCG@10 where there is one (BEIR paper; Anserini/Pyserini BM25 flat)
published() {
    case "$1" in
    scifact) echo "0.665 (BEIR), 0.679 (Anserini flat)" ;;
    *) echo "-" ;;
    esac
}

# p50 of the second column of a timings file, in ms
p50_ms() { sort -t$'\t' -k2,2g "$1" | awk -F'\t' '{v[NR]=$2} END{if(NR==0){print "-";exit} i=int((NR+1)/2); printf "%.2f", v[i]/1000}'; }

declare -A res
notes=()
for c in $collections; do
    dir="$corpora/$c"
    if [ ! -f "$dir/qrels.txt" ] || [ ! -f "$dir/queries.tsv" ]; then
        echo "run_relevance.sh: $c: no qrels.txt/queries.tsv in $dir; skipped" >&2
        continue
    fi
    echo "run_relevance.sh: $c" >&2
    python3 "$here/relevance_queries.py" "$dir/queries.tsv" "$out/$c.queries"
    for e in $engines; do
        idx="$work/$c-$e"
        case $e in
        quire)
            "$qi" -q "$idx" "$dir/corpus.jsonl.gz" >"$out/$c.$e.index.log" 2>&1
            "$qq" --batch "$out/$c.queries.quire.tsv" --any --lenient -k 1000 --tag quire \
                --timings "$out/$c.$e.timings" "$idx" >"$out/$c.$e.run" 2>"$out/$c.$e.log" || [ $? = 1 ] ;;
        xapian)
            "$obj/bench/xapian_index" --runs 1 --warmup none --keep "$idx" --opt idvalue \
                "$dir/corpus.jsonl.gz" >"$out/$c.$e.index.log" 2>&1
            "$obj/bench/xapian_search" -k 1000 --timings "$out/$c.$e.timings" "$idx" \
                "$out/$c.queries.xapian.tsv" >"$out/$c.$e.run" 2>"$out/$c.$e.log" ;;
        fts5)
            "$obj/bench/fts5_index" --runs 1 --warmup none --keep "$idx" \
                "$dir/corpus.jsonl.gz" >"$out/$c.$e.index.log" 2>&1
            "$obj/bench/fts5_search" -k 1000 --timings "$out/$c.$e.timings" "$idx" \
                "$out/$c.queries.fts5.tsv" >"$out/$c.$e.run" 2>"$out/$c.$e.log" ;;
        esac
        # A collection may hold two documents with one id (CACM has two 28s): an engine
        # then lists that id twice, which trec_eval refuses; keep its first (best) rank.
        awk '!seen[$1" "$3]++' "$out/$c.$e.run" >"$out/$c.$e.run.dedup"
        dups=$(($(wc -l <"$out/$c.$e.run") - $(wc -l <"$out/$c.$e.run.dedup")))
        if [ "$dups" -gt 0 ]; then
            notes+=("$c, $e: $dups repeated (query, document id) lines dropped, the best rank kept (the collection has duplicate ids)")
        fi
        mv "$out/$c.$e.run.dedup" "$out/$c.$e.run"
        "$ev" -c -q "$dir/qrels.txt" "$out/$c.$e.run" >"$out/$c.$e.eval" 2>>"$out/$c.$e.log"
        get() { awk -v m="$1" '$1==m && $2=="all"{print $3}' "$out/$c.$e.eval"; }
        res[$c.$e]="$(get ndcg_cut_10) $(get map) $(get recall_100) $(get P_10) $(p50_ms "$out/$c.$e.timings")"
        res[$c.nq]=$(get num_q)
        rm -rf "$idx"
    done
done

{
    echo "### Relevance (trec_eval definitions; mean over the queries with a relevant document, -c)"
    echo
    echo "Top 1000, ranked OR of the query's words for every engine. quire: BM25 k1 0.9, b 0.4;"
    echo "Xapian: BM25 k1 1, b 0.5; FTS5: bm25() k1 1.2, b 0.75 (each engine's defaults)."
    echo
    echo "| collection | queries | quire nDCG@10 | MAP | R@100 | P@10 | Xapian nDCG@10 | MAP | R@100 | P@10 | FTS5 nDCG@10 | MAP | R@100 | P@10 | published BM25 nDCG@10 |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for c in $collections; do
        [ -n "${res[$c.quire]:-}" ] || continue
        row="| $c | ${res[$c.nq]}"
        for e in quire xapian fts5; do
            if [ -n "${res[$c.$e]:-}" ]; then
                read -r n m r p _ <<<"${res[$c.$e]}"
                row="$row | $n | $m | $r | $p"
            else
                row="$row | | | |"
            fi
        done
        echo "$row | $(published "$c") |"
    done
    echo
    echo "Per-query latency of these top-1000 OR queries, p50 in ms (one process per engine,"
    echo "first pass over the queries, index just built so in the page cache):"
    echo
    echo "| collection | quire | Xapian | FTS5 |"
    echo "|---|---|---|---|"
    for c in $collections; do
        [ -n "${res[$c.quire]:-}" ] || continue
        row="| $c"
        for e in quire xapian fts5; do
            if [ -n "${res[$c.$e]:-}" ]; then
                read -r _ _ _ _ t <<<"${res[$c.$e]}"
                row="$row | $t"
            else
                row="$row |"
            fi
        done
        echo "$row |"
    done
    echo
    for n in "${notes[@]}"; do echo "- $n"; done
    [ ${#notes[@]} -eq 0 ] || echo
} >"$out/relevance.md"
# one line per collection and engine, for plots: collection engine ndcg map r100 p10 p50ms
for c in $collections; do
    for e in quire xapian fts5; do
        [ -n "${res[$c.$e]:-}" ] && echo "$c $e ${res[$c.$e]}"
    done
done >"$out/relevance.dat"
cat "$out/relevance.md"
echo "run_relevance.sh: results in $out" >&2
