#!/usr/bin/env bash
# run_query_bench.sh - query latency per class (bench/queries/, made by make_queries.py) of
# quire, Xapian and SQLite FTS5 on the same corpus and the same queries, top 10.
#
#   bench/run_query_bench.sh [--obj DIR] [--out DIR] [--runs N] [--corpus NAME]...
#                            [--corpus-file NAME PATH QUERIES] [--no-cold] [--no-xapian]
#
#   --obj DIR      a Release build with quire-index, quire-query and the peers
#                  (bench/xapian_index, xapian_search, fts5_index, fts5_search); default:
#                  build the working tree into bench/build/obj-worktree
#   --corpus NAME  reuters (Reuters-21578, the default) or enwiki (the Wikipedia sample:
#                  Xapian indexes it at about 1 MB/s, ~7 min here); may be repeated
#   --corpus-file NAME PATH QUERIES
#                  another corpus (JSON Lines for the peers) and the prefix of its query
#                  files (QUERIES.quire.tsv ...: make_queries.py PATH QUERIES)
#   --runs N       timed passes over the queries per engine (default 3)
#   --no-xapian    leave Xapian out (e.g. to skip its slow indexing of enwiki)
#   --no-cold      skip the cold pass
#
# Each engine indexes the corpus (title and text; Xapian with the id in value slot 0), then
# runs the whole query file in one process per pass: quire-query --batch --timings,
# xapian_search --timings, fts5_search --timings (a monotonic clock around each query,
# from parsing to the top 10 printed with their ids). Warm: one untimed pass, then N timed
# passes, the engines taking turns; a query's latency is its median over the N passes.
# Cold: before one more pass, each index file's pages are dropped from the page cache
# (dd iflag=nocache, i.e. posix_fadvise DONTNEED; no root needed), so the pass starts
# with the index on disk only (what the programs themselves map or cache is rebuilt too:
# each pass is a new process). Each pass's wall time, process start to exit, is reported
# too, since an engine may read its index at open, outside the per-query clock.
# latency_stats.py prints p50/p95/p99 per class and each
# peer's p50 over quire's. Where quire-query has --passages, the or and phrase queries run
# again with one passage per hit (classes or+passages, phrase+passages; the peers print
# their own snippets: Xapian's MSet::snippet, FTS5's snippet()).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpora=$(cd "$root/../shared/corpora" 2>/dev/null && pwd || echo /work/shared/corpora)
obj=""
out=""
runs=3
cold=1
xapian=1
names=()
declare -A src_of qprefix_of resident

while [ $# -gt 0 ]; do
    case "$1" in
    --obj) obj=$2; shift ;;
    --out) out=$2; shift ;;
    --runs) runs=$2; shift ;;
    --corpus) names+=("$2"); shift ;;
    --corpus-file) names+=("$2"); src_of[$2]=$3; qprefix_of[$2]=$4; shift 3 ;;
    --no-cold) cold=0 ;;
    --no-xapian) xapian=0 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "run_query_bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ ${#names[@]} -gt 0 ] || names=(reuters)

if [ -z "$obj" ]; then
    obj="$here/build/obj-worktree"
    cmake -S "$root" -B "$obj" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF >/dev/null
    cmake --build "$obj" -j2 >"$obj/build.log" 2>&1 || { tail -30 "$obj/build.log"; exit 1; }
fi
obj=$(cd "$obj" && pwd)
[ -n "$out" ] || out="$here/out/query-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-querybench-XXXXXX")
trap 'rm -rf "$work"' EXIT

# with passages: only where quire-query has --passages
passages=0
"$obj/quire-query" --help 2>/dev/null | grep -q -- '--passages' && passages=1
engines=(quire)
[ "$xapian" = 1 ] && [ -x "$obj/bench/xapian_search" ] && engines+=(xapian)
[ -x "$obj/bench/fts5_search" ] && engines+=(fts5)
: >"$out/latency.dat"
: >"$out/query.md"

# run_pass ENGINE CORPUS TAG: one pass over the queries; run in $out/C.E.TAG.run, timings in .t
run_pass() {
    local e=$1 c=$2 tag=$3 idx="$work/$2-$1" q=${qprefix_of[$2]:-$here/queries/$2} t0
    local qo=() po=()
    if [ "${4:-}" = passages ]; then
        q="$work/$c.passages"
        qo=(--format json --passages 1)
        po=(--snippets)
    fi
    t0=$(date +%s%N)
    case $e in
    quire) "$obj/quire-query" --batch "$q.quire.tsv" "${qo[@]}" --timings "$out/$c.$e.$tag.t" "$idx" ;;
    xapian) "$obj/bench/xapian_search" "${po[@]}" --timings "$out/$c.$e.$tag.t" "$idx" "$q.xapian.tsv" ;;
    fts5) "$obj/bench/fts5_search" "${po[@]}" --timings "$out/$c.$e.$tag.t" "$idx" "$q.fts5.tsv" ;;
    esac >"$out/$c.$e.$tag.run" 2>"$out/$c.$e.$tag.log" || {
        local rc=$?
        [ "$e" = quire ] && [ $rc = 1 ] && return 0 # quire: 1 = no query matched
        echo "run_query_bench.sh: $e on $c failed (rc $rc): $out/$c.$e.$tag.log" >&2
        tail -3 "$out/$c.$e.$tag.log" >&2
        return 1
    }
    echo $((($(date +%s%N) - t0) / 1000000)) >"$out/$c.$e.$tag.ms"
}

# pass_walls C TAG: '| quire ms | Xapian ms | FTS5 ms |' cells of whole passes
pass_walls() {
    local row="" e
    for e in quire xapian fts5; do
        if [ -f "$out/$1.$e.$2.ms" ]; then row="$row $(cat "$out/$1.$e.$2.ms") |"; else row="$row - |"; fi
    done
    echo "$row"
}

for c in "${names[@]}"; do
    case $c in
    reuters) src="$corpora/reuters21578/corpus.jsonl.gz" title="Reuters-21578" ;;
    enwiki) src="$corpora/enwiki-sample/corpus.jsonl.gz" title="Wikipedia sample" ;;
    *)
        [ -n "${src_of[$c]:-}" ] || { echo "run_query_bench.sh: unknown corpus $c (reuters or enwiki)" >&2; exit 2; }
        src=${src_of[$c]} title=$c ;;
    esac
    qp=${qprefix_of[$c]:-$here/queries/$c}
    [ -f "$qp.quire.tsv" ] || { echo "run_query_bench.sh: no $qp.quire.tsv" >&2; exit 2; }
    for e in "${engines[@]}"; do
        echo "run_query_bench.sh: $c: indexing with $e" >&2
        case $e in
        quire) "$obj/quire-index" -q "$work/$c-$e" "$src" ;;
        xapian) "$obj/bench/xapian_index" --runs 1 --warmup none --keep "$work/$c-$e" --opt idvalue "$src" ;;
        fts5) "$obj/bench/fts5_index" --runs 1 --warmup none --keep "$work/$c-$e" "$src" ;;
        esac >"$out/$c.$e.index.log" 2>&1
    done
    echo "run_query_bench.sh: $c: warm-up pass, then $runs timed passes" >&2
    for e in "${engines[@]}"; do run_pass "$e" "$c" warmup; done
    for r in $(seq 1 "$runs"); do
        for e in "${engines[@]}"; do run_pass "$e" "$c" "warm$r"; done
    done
    if [ "$passages" = 1 ]; then
        # or+passages, phrase+passages: the or and phrase queries again, each hit with one
        # passage (quire --passages 1 --format json; Xapian MSet::snippet; FTS5 snippet())
        for e in quire xapian fts5; do
            sed -n 's/^\(or\|phrase\)-/\1+passages-/p' "$qp.$e.tsv" >"$work/$c.passages.$e.tsv"
        done
        for r in $(seq 1 "$runs"); do
            for e in "${engines[@]}"; do run_pass "$e" "$c" "pwarm$r" passages; done
        done
    fi
    args=()
    for e in "${engines[@]}"; do
        ts=$(seq 1 "$runs" | sed "s|.*|$out/$c.$e.warm&.t|" | paste -sd,)
        runsf="$out/$c.$e.warm1.run"
        if [ "$passages" = 1 ]; then
            ts="$ts,$(seq 1 "$runs" | sed "s|.*|$out/$c.$e.pwarm&.t|" | paste -sd,)"
            runsf="$runsf,$out/$c.$e.pwarm1.run"
        fi
        args+=("$e=$runsf:$ts")
    done
    python3 "$here/latency_stats.py" --title "$title: warm, top 10, median of $runs passes" \
        --dat "$out/latency.dat" "${args[@]}" >>"$out/query.md"
    if [ "$cold" = 1 ]; then
        echo "run_query_bench.sh: $c: cold pass" >&2
        args=()
        for e in "${engines[@]}"; do
            # written pages must be clean before they can be dropped: sync them first
            find "$work/$c-$e" -type f -exec sync {} +
            find "$work/$c-$e" -type f -exec dd if={} iflag=nocache count=0 status=none \;
            resident[$e]=$(find "$work/$c-$e" -type f -exec fincore -b -n -o RES {} + 2>/dev/null |
                awk '{s+=$1} END{printf "%.1f", s/1048576}')
            run_pass "$e" "$c" cold
            args+=("$e=$out/$c.$e.cold.run:$out/$c.$e.cold.t")
        done
        python3 "$here/latency_stats.py" --title "$title: cold (index dropped from the page cache before one pass), top 10" \
            "${args[@]}" >>"$out/query.md"
    fi
    {
        echo "Whole passes over the $(grep -vc '^#' "$qp.quire.tsv") queries, ms from process start to exit, opening"
        echo "the index included (it is outside the per-query clock; quire-query reads each index"
        echo "file whole when it opens the index):"
        echo
        echo "| pass | quire | Xapian | FTS5 |"
        echo "|---|---|---|---|"
        echo "| warm (first timed pass) |$(pass_walls "$c" warm1)"
        if [ "$cold" = 1 ]; then
            echo "| cold |$(pass_walls "$c" cold)"
            echo "| index MB in the page cache after the drop (fincore) | ${resident[quire]:--} | ${resident[xapian]:--} | ${resident[fts5]:--} |"
        fi
        echo
    } >>"$out/query.md"
    rm -rf "${work:?}/$c-"*
done
cat "$out/query.md"
echo "run_query_bench.sh: results in $out" >&2
