#!/usr/bin/env bash
# run.sh - the whole benchmark suite in one command: indexing, query latency and relevance,
# quire against Xapian and SQLite FTS5 in the same run, and quire's costs over growing slices
# of the Wikipedia sample, written up as bench/report/REPORT.md with gnuplot plots
# (bench/report/*.png).
#
#   bench/run.sh [--full] [--corpus PATH] [--no-install] [--build-dir DIR]
#
#   (default)      a few minutes: Reuters-21578 indexing (1 and 2 threads, 1 timed run
#                  each after a warm-up, peers too), query latency on Reuters-21578 (3
#                  passes, warm and cold), relevance on all seven collections with qrels
#                  (quire's BM25 and each option beside Xapian and FTS5) and how the
#                  defaults were chosen (run_loco.sh: leave one collection out),
#                  scaling over slices of 8, 16, 32 and 64 MB of the Wikipedia sample,
#                  approximate quotes and fuzzy words on Reuters (run_approx_bench.sh;
#                  the Wikipedia sample too with --full)
#   --full         the full sizes: indexing with 3 runs and the Wikipedia sample, query
#                  latency on the Wikipedia sample too (Xapian indexes it in ~7 min here),
#                  5 passes, scaling over 10, 25, 50 and 100% of the sample (~3 min)
#   --corpus PATH  also your own corpus: a JSON Lines file (.jsonl or .jsonl.gz with id,
#                  title, text): indexing (quire and peers) and query latency on queries
#                  drawn from it by make_queries.py (seed 20261201; written to the report
#                  folder); or a TREC file, a folder of text files or a .gz of these, which
#                  `quire-index --export-jsonl` first writes as JSON Lines under bench/out/
#   --no-install   do not apt-get anything (a missing peer or gnuplot is then skipped)
#   --build-dir    where to build (default bench/build); the code measured is the commit
#                  HEAD (git archive), with bench/ from the working tree
#
# Installs what it needs from Debian's packages (scripts/install-deps.sh, then
# libxapian-dev libsqlite3-dev g++ gnuplot-nox python3). On a shared machine the absolute
# times move from run to run: read the ratios, taken within one run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
full=0
install=1
corpus=""
build="$here/build"
while [ $# -gt 0 ]; do
    case "$1" in
    --full) full=1 ;;
    --corpus) corpus=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    --no-install) install=0 ;;
    --build-dir) build=$2; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$install" = 1 ]; then
    "$root/scripts/install-deps.sh"
    need=()
    for p in libxapian-dev libsqlite3-dev g++ gnuplot-nox python3; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
    done
    if [ ${#need[@]} -gt 0 ]; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
fi

report="$here/report"
mkdir -p "$report"
rm -f "$report"/*.png "$report"/REPORT.md "$report"/scaling.md "$report"/queries-*.tsv
commit=$(git -C "$root" rev-parse --short HEAD) # what run_index_bench.sh exports and builds
runs_tag=$(date +%Y%m%d-%H%M%S)
start_load=$(cut -d' ' -f1-3 /proc/loadavg)
start_date=$(date -u +%Y-%m-%dT%H:%MZ)

# 1. Indexing (builds HEAD in Release into $build/obj; everything below uses that build).
idx_args=(--build-dir "$build" --rev "$commit")
if [ "$full" = 1 ]; then idx_args+=(--runs 3); else idx_args+=(--runs 1 --no-wiki); fi
echo "run.sh: indexing benchmark" >&2
"$here/run_index_bench.sh" "${idx_args[@]}" >/dev/null
obj="$build/obj"
idx_report="$here/out/latest/report.md"

# A corpus that is not JSON Lines (a TREC file, a folder, their .gz) is read by quire's
# own sources and written as JSON Lines, which every engine and make_queries.py then read.
if [ -n "$corpus" ]; then
    case "$corpus" in
    *.jsonl | *.jsonl.gz) ;;
    *)
        converted="$here/out/corpus-$(basename "$corpus" | sed 's/[^A-Za-z0-9_-]/_/g').jsonl"
        echo "run.sh: $corpus is not JSON Lines: converting it with quire-index --export-jsonl" >&2
        # exit 3: some records were skipped (named on stderr), the rest converted
        "$obj/quire-index" --export-jsonl "$corpus" >"$converted" || [ $? -eq 3 ]
        corpus=$converted
        ;;
    esac
fi

# 2. Query latency.
q_args=(--obj "$obj" --out "$here/out/query-$runs_tag" --corpus reuters)
if [ "$full" = 1 ]; then q_args+=(--corpus enwiki --runs 5); else q_args+=(--runs 3); fi
if [ -n "$corpus" ]; then
    name=$(basename "$corpus" | sed 's/\.gz$//; s/\.jsonl$//; s/[^A-Za-z0-9_-]/_/g')
    [ "$name" = corpus ] && name=$(basename "$(dirname "$corpus")" | sed 's/[^A-Za-z0-9_-]/_/g')
    echo "run.sh: queries for $corpus" >&2
    python3 "$here/make_queries.py" "$corpus" "$report/queries-$name"
    q_args+=(--corpus-file "$name" "$corpus" "$report/queries-$name")
fi
echo "run.sh: query benchmark" >&2
"$here/run_query_bench.sh" "${q_args[@]}" >/dev/null
qout="$here/out/query-$runs_tag"

# 3. Relevance.
echo "run.sh: relevance" >&2
"$here/run_relevance.sh" --obj "$obj" --out "$here/out/relevance-$runs_tag" >/dev/null
rout="$here/out/relevance-$runs_tag"
# How the ranking defaults and the options' values were chosen (leave one collection out).
echo "run.sh: leave-one-collection-out choices" >&2
"$here/run_loco.sh" --obj "$obj" --out "$here/out/loco-$runs_tag" >/dev/null
lout="$here/out/loco-$runs_tag"

# 4. Your corpus: indexing with quire and the peers.
own=""
if [ -n "$corpus" ]; then
    own="$here/out/own-$runs_tag.md"
    : >"$own"
    for t in 1 2; do "$obj/bench/bench_index" --runs 1 --threads "$t" "$corpus" >>"$own" 2>/dev/null || true; done
    [ -x "$obj/bench/xapian_index" ] && { "$obj/bench/xapian_index" --runs 1 "$corpus" >>"$own" 2>/dev/null || true; }
    [ -x "$obj/bench/fts5_index" ] && { "$obj/bench/fts5_index" --runs 1 "$corpus" >>"$own" 2>/dev/null || true; }
fi

# 5. Scaling over slices of the Wikipedia sample (writes scaling.md and its plots into the
# report folder).
echo "run.sh: scaling" >&2
sc_args=(--obj "$obj" --out "$here/out/scaling-$runs_tag" --report "$report")
[ "$full" = 1 ] && sc_args+=(--full)
"$here/run_scaling.sh" "${sc_args[@]}" >/dev/null

# 5b. Approximate quotes and fuzzy words (#11): against their scans, the exact quote, and
# exact queries against main.
echo "run.sh: approximate quotes and fuzzy words" >&2
ap_args=(--obj "$obj" --out "$here/out/approx-$runs_tag" --corpus reuters)
[ "$full" = 1 ] && ap_args+=(--corpus enwiki --scan 5 --no-callgrind)
"$here/run_approx_bench.sh" "${ap_args[@]}" >/dev/null || echo "run.sh: approximate quotes failed" >&2

# 6. Plots.
plots=()
if command -v gnuplot >/dev/null; then
    for c in $(awk '{print $1}' "$qout/latency.dat" | sort -u); do
        dat="$qout/plot-$c.dat"
        awk -v c="$c" '$1==c {v[$2" "$3]=$4; if(!($2 in seen)){seen[$2]=1; order[++n]=$2}}
            END{print "class quire Xapian FTS5"; for(i=1;i<=n;i++){k=order[i];
            printf "%s %s %s %s\n", k, (k" quire" in v)?v[k" quire"]:"NaN",
            (k" xapian" in v)?v[k" xapian"]:"NaN", (k" fts5" in v)?v[k" fts5"]:"NaN"}}' \
            "$qout/latency.dat" >"$dat"
        gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output "$report/latency-$c.png"
set title "$c: query latency p50 per class, top 10, warm (ms, log scale; lower is better)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel "ms"
set key top left
set xtics rotate by -20
set grid ytics
plot "$dat" using 2:xtic(1) title columnheader(2), '' using 3 title columnheader(3), '' using 4 title columnheader(4)
GP
        plots+=("latency-$c.png")
    done
    dat="$rout/plot.dat"
    awk '{v[$1" "$2]=$3; if(!($1 in seen)){seen[$1]=1; order[++n]=$1}}
        END{print "collection quire quire_--title-weight_3 Xapian FTS5"; for(i=1;i<=n;i++){k=order[i];
        printf "%s %s %s %s %s\n", k, (k" quire" in v)?v[k" quire"]:"NaN",
        (k" quire-title" in v)?v[k" quire-title"]:"NaN",
        (k" xapian" in v)?v[k" xapian"]:"NaN", (k" fts5" in v)?v[k" fts5"]:"NaN"}}' \
        "$rout/relevance.dat" >"$dat"
    gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output "$report/relevance.png"
set title "nDCG@10 per collection (trec_eval definitions; higher is better)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set yrange [0:1]
set key top right
set grid ytics
plot "$dat" using 2:xtic(1) title columnheader(2), '' using 3 title columnheader(3), '' using 4 title columnheader(4), '' using 5 title columnheader(5)
GP
    plots+=("relevance.png")
else
    echo "run.sh: gnuplot not found: no plots" >&2
fi

# 7. The report.
{
    echo "# quire benchmark report"
    echo
    echo "- command: \`bench/run.sh$([ "$full" = 1 ] && echo " --full")$([ -n "$corpus" ] && echo " --corpus $corpus")\`"
    echo "- commit: $commit (git archive; bench/ from the working tree)"
    echo "- date: $start_date to $(date -u +%H:%MZ); load average at start $start_load, at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM; $(uname -sr); CMAKE_BUILD_TYPE=Release"
    echo "- peers: $(dpkg-query -W -f='Xapian ${Version}' libxapian30 2>/dev/null || echo 'Xapian: none'), $(dpkg-query -W -f='SQLite ${Version}' libsqlite3-0 2>/dev/null || echo 'SQLite: none')"
    echo "- outputs: bench/out/ (runs, per-query timings, logs)"
    echo
    echo "Timings on a shared machine move from run to run: compare engines by the ratios, taken in"
    echo "this one run."
    echo
    for p in "${plots[@]}"; do echo "![$p]($p)"; echo; done
    echo "## Query latency"
    echo
    cat "$qout/query.md"
    echo "## Relevance"
    echo
    cat "$rout/relevance.md"
    cat "$lout/loco.md"
    echo "## Indexing"
    echo
    sed 's/^## /### /' "$idx_report"
    echo "## Scaling"
    echo
    cat "$report/scaling.md"
    if [ -f "$here/out/approx-$runs_tag/approx.md" ]; then
        sed 's/^# /## /; s/^## \([RW]\)/### \1/' "$here/out/approx-$runs_tag/approx.md"
        echo
    fi
    if [ -n "$own" ]; then
        echo "## Indexing: $corpus"
        echo
        cat "$own"
    fi
} >"$report/REPORT.md"
echo "run.sh: wrote $report/REPORT.md" >&2
