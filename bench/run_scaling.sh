#!/usr/bin/env bash
# run_scaling.sh - how quire's costs grow with the corpus: growing slices of the Wikipedia
# sample, each indexed (wall and CPU seconds, MB/s, peak RSS, index size without and with
# stored text) and queried (p50/p95 per query class, top 10, warm), with SQLite FTS5's
# indexing time per slice beside it. Writes a Markdown table and two gnuplot plots.
#
#   bench/run_scaling.sh [--full] [--slices "SPEC..."] [--obj DIR | --build-dir DIR [--rev REV]]
#                        [--out DIR] [--report DIR] [--runs N] [--passes N] [--threads N]
#                        [--no-fts5] [--xapian] [--prefix] [--corpus PATH --queries PREFIX]
#
#   (default)      slices of 8, 16, 32 and 64 MB of the Wikipedia sample, 3 indexing runs
#                  each (1-3 minutes here, by load)
#   --full         10%, 25%, 50% and 100% of the sample, 1 indexing run each (~3 minutes)
#   --slices SPEC  the slices: sizes like 8M (MB of uncompressed JSON Lines) or 10%
#                  (share of the sample's uncompressed bytes); 100% is the file itself
#   --prefix       a slice is the first documents of the file, not documents spread evenly
#   --obj DIR      a Release build with quire-index, quire-query, bench/bench_index (and
#                  bench/fts5_index); without it, REV (default HEAD) is exported with git
#                  archive into --build-dir (default bench/build/scaling)/src, with bench/
#                  from the working tree, and built there in Release
#   --out DIR      runs, logs and per-query timings (default bench/out/scaling-<time>)
#   --report DIR   where scaling.md and the plots go (default: the --out folder)
#   --runs N       timed indexing runs per slice, median reported (default 3; --full 1)
#   --passes N     timed query passes per slice, a query's latency is its median (default 5)
#   --threads N    quire-index threads (default 2)
#   --no-fts5      leave SQLite FTS5's indexing out
#   --xapian       also index each slice with Xapian (about 1 MB/s here: slow)
#   --corpus PATH --queries PREFIX
#                  another JSON Lines corpus and its query files (PREFIX.quire.tsv, made by
#                  make_queries.py) instead of the Wikipedia sample and bench/queries/enwiki
#
# A slice is whole documents (lines) spread evenly over the corpus (or its first ones, with
# --prefix), about the size asked for, written gzip -1 compressed (quire-index and the peers
# read it compressed, as they read the whole sample); the slices are nested. Indexing is bench_index (each run in a forked child:
# wall time around indexer_run, CPU user+sys and peak RSS from wait4, sizes by component)
# with the default memory budget, after reading the slice once (--warmup read); the last
# run's index is kept and queried with quire-query --batch --timings (one untimed pass,
# then --passes timed passes). The queries (bench/queries/enwiki.quire.tsv) were drawn from
# the whole sample: a small slice may hold none of a rare word's documents, so the table
# counts the queries with hits per slice, and a class's latency mixes hits and misses.
# CI never runs this; on a shared machine read the trend, not single figures.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpora=$(cd "$root/../shared/corpora" 2>/dev/null && pwd || echo /work/shared/corpora)
full=0
slices=""
obj=""
build="$here/build/scaling"
rev=HEAD
out=""
report=""
runs=""
passes=5
threads=2
fts5=1
xapian=0
prefix=0
corpus="$corpora/enwiki-sample/corpus.jsonl.gz"
queries="$here/queries/enwiki"

while [ $# -gt 0 ]; do
    case "$1" in
    --full) full=1 ;;
    --slices) slices=$2; shift ;;
    --obj) obj=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --rev) rev=$2; shift ;;
    --out) out=$2; shift ;;
    --report) report=$2; shift ;;
    --runs) runs=$2; shift ;;
    --passes) passes=$2; shift ;;
    --threads) threads=$2; shift ;;
    --no-fts5) fts5=0 ;;
    --xapian) xapian=1 ;;
    --prefix) prefix=1 ;;
    --corpus) corpus=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    --queries) queries=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    -h|--help) sed -n '2,41p' "$0"; exit 0 ;;
    *) echo "run_scaling.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$slices" ]; then
    if [ "$full" = 1 ]; then slices="10% 25% 50% 100%"; else slices="8M 16M 32M 64M"; fi
fi
[ -n "$runs" ] || { if [ "$full" = 1 ]; then runs=1; else runs=3; fi; }
[ -r "$corpus" ] || { echo "run_scaling.sh: cannot read the corpus $corpus" >&2; exit 2; }
[ -r "$queries.quire.tsv" ] || { echo "run_scaling.sh: no queries $queries.quire.tsv" >&2; exit 2; }
for s in $slices; do
    [[ $s =~ ^[0-9]+(\.[0-9]+)?[%M]$ ]] || { echo "run_scaling.sh: bad slice '$s' (e.g. 8M or 10%)" >&2; exit 2; }
done

# The build: the committed tree REV, unless --obj names one.
if [ -z "$obj" ]; then
    mkdir -p "$build"
    build=$(cd "$build" && pwd)
    src="$build/src"
    rm -rf "$src"
    mkdir -p "$src"
    git -C "$root" archive "$rev" | tar -x -C "$src"
    rm -rf "$src/bench"
    (cd "$root" && tar -c --exclude=bench/build --exclude=bench/out bench) | tar -x -C "$src"
    commit="$(git -C "$root" rev-parse --short "$rev") (git archive), bench/ from the working tree"
    obj="$build/obj"
    echo "run_scaling.sh: building $commit into $obj" >&2
    cmake -S "$src" -B "$obj" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF >"$build/cmake.log"
    cmake --build "$obj" -j2 >"$build/build.log" 2>&1 || { tail -30 "$build/build.log"; exit 1; }
else
    commit="the build in $obj"
fi
obj=$(cd "$obj" && pwd)
for p in quire-index quire-query bench/bench_index; do
    [ -x "$obj/$p" ] || { echo "run_scaling.sh: no $obj/$p" >&2; exit 2; }
done
[ -x "$obj/bench/fts5_index" ] || fts5=0
[ -x "$obj/bench/xapian_index" ] || xapian=0

[ -n "$out" ] || out="$here/out/scaling-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -n "$report" ] || report=$out
mkdir -p "$report"
report=$(cd "$report" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-scaling-XXXXXX")
trap 'rm -rf "$work"' EXIT
start_date=$(date -u +%Y-%m-%dT%H:%MZ)
start_load=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. The slices. The sample is not in random order (its first half by bytes holds under a
# quarter of its documents, the longest), so a slice is by default an even spread of
# documents: line n (from 1) is in a slice of fraction f when frac(n * 0.618...) < f (a
# Weyl sequence: deterministic, nested, every stretch of the file in proportion). --prefix
# takes the first lines instead. f is the share of the uncompressed bytes asked for.
echo "run_scaling.sh: measuring $corpus" >&2
total=$(gzip -dc -f "$corpus" | wc -c)
labels=() fracs=() files=()
for s in $slices; do
    case $s in
    *%) f=$(awk -v p="${s%\%}" 'BEGIN{printf "%.6f", p / 100}') ;;
    *M) f=$(awk -v m="${s%M}" -v t="$total" 'BEGIN{printf "%.6f", m * 1048576 / t}') ;;
    esac
    labels+=("$s")
    if awk -v f="$f" 'BEGIN{exit !(f >= 1)}'; then
        fracs+=(-1)
        files+=("$corpus")
    else
        fracs+=("$f")
        files+=("$work/slice-${#labels[@]}.jsonl.gz")
    fi
done
echo "run_scaling.sh: cutting the slices ($slices; $([ "$prefix" = 1 ] && echo "first documents" || echo "documents spread evenly"))" >&2
# (with --prefix, awk stops reading once the largest slice is cut: gzip then dies of
# SIGPIPE, status 141)
(gzip -dc -f "$corpus" || [ $? = 141 ]) | LC_ALL=C awk -v fr="${fracs[*]}" -v t="$total" -v dir="$work" -v prefix="$prefix" '
    BEGIN { n = split(fr, F, " ")
            for (i = 1; i <= n; i++) if (F[i] >= 0) { cmd[i] = "gzip -1 > " dir "/slice-" i ".jsonl.gz"; open_[i] = 1 } }
    prefix == 1 {
        for (i = 1; i <= n; i++) if (open_[i]) { print | cmd[i]; sz[i] += length($0) + 1
            if (sz[i] >= F[i] * t) { close(cmd[i]); open_[i] = 0 } }
        any = 0; for (i = 1; i <= n; i++) if (open_[i]) any = 1
        if (!any) exit
        next }
    { u = NR * 0.6180339887498949; u -= int(u)
      for (i = 1; i <= n; i++) if (open_[i] && u < F[i]) print | cmd[i] }
    END { for (i = 1; i <= n; i++) if (open_[i]) close(cmd[i]) }'
# (The table gives the text indexed, title and text, as bench_index measures it.)

# field FILE LABEL: the value cell of a bench_index/fts5_index Markdown row, bold removed
field() { awk -F'|' -v k="$2" 'index($2, k) == 2 || index($2, " **" k) == 1 { v = $3; gsub(/\*/, "", v); sub(/^ +/, "", v); print v; exit }' "$1"; }

# 2. Per slice: index (quire, peers), then query.
: >"$out/scaling.dat"
: >"$out/latency.dat"
: >"$out/latency.md"
nq=$(grep -vc '^#' "$queries.quire.tsv")
for i in "${!labels[@]}"; do
    lab=${labels[$i]} f=${files[$i]} idx="$work/idx-$i"
    echo "run_scaling.sh: slice $lab: quire bench_index, $runs run(s), $threads threads" >&2
    "$obj/bench/bench_index" --runs "$runs" --warmup read --threads "$threads" --keep "$idx" "$f" \
        >"$out/index-$i.md" 2>"$out/index-$i.log" || { echo "run_scaling.sh: bench_index failed on slice $lab: $out/index-$i.log" >&2; tail -5 "$out/index-$i.log" >&2; exit 1; }
    m="$out/index-$i.md"
    text_mb=$(field "$m" "text analysed" | awk '{print $1}')
    docs=$(field "$m" "documents" | awk '{print $1}')
    wall=$(field "$m" "seconds, median" | awk '{print $1}')
    cpu=$(field "$m" "CPU user+sys per run" | awk '{print $1}')
    mbps=$(field "$m" "MB/s of text")
    rss=$(field "$m" "peak RSS" | awk '{print $1}')
    notext=$(field "$m" "index without stored text")
    withtext=$(field "$m" "index in all (components)")
    ftsw=NaN ftsm=NaN ftsn=NaN xapw=NaN
    if [ "$fts5" = 1 ]; then
        echo "run_scaling.sh: slice $lab: FTS5 fts5_index, $runs run(s)" >&2
        if "$obj/bench/fts5_index" --runs "$runs" --warmup none "$f" >"$out/fts5-$i.md" 2>"$out/fts5-$i.log"; then
            ftsw=$(field "$out/fts5-$i.md" "seconds, median" | awk '{print $1}')
            ftsm=$(field "$out/fts5-$i.md" "MB/s of text")
            ftsn=$(field "$out/fts5-$i.md" "index without stored text" | awk '{print $1}')
        else
            echo "run_scaling.sh: fts5_index failed on slice $lab: $out/fts5-$i.log" >&2
        fi
    fi
    if [ "$xapian" = 1 ]; then
        echo "run_scaling.sh: slice $lab: Xapian xapian_index, 1 run" >&2
        if "$obj/bench/xapian_index" --runs 1 --warmup none "$f" >"$out/xapian-$i.md" 2>"$out/xapian-$i.log"; then
            xapw=$(field "$out/xapian-$i.md" "seconds, median" | awk '{print $1}')
        else
            echo "run_scaling.sh: xapian_index failed on slice $lab: $out/xapian-$i.log" >&2
        fi
    fi
    echo "run_scaling.sh: slice $lab: 1 untimed + $passes timed query passes" >&2
    ts=()
    for r in $(seq 0 "$passes"); do
        "$obj/quire-query" --batch "$queries.quire.tsv" --timings "$out/q-$i.$r.t" "$idx" \
            >"$out/q-$i.$r.run" 2>"$out/q-$i.$r.log" || {
            rc=$?
            [ $rc = 1 ] || { echo "run_scaling.sh: quire-query failed (rc $rc) on slice $lab: $out/q-$i.$r.log" >&2; exit 1; }
        }
        [ "$r" = 0 ] || ts+=("$out/q-$i.$r.t")
    done
    python3 "$here/latency_stats.py" --title "S$i: slice $lab, $text_mb MB of text, warm, top 10, median of $passes passes" \
        --dat "$out/latency.dat" "quire=$out/q-$i.1.run:$(IFS=,; echo "${ts[*]}")" >>"$out/latency.md"
    # queries with hits per class
    hits=$(awk '{print $1}' "$out/q-$i.1.run" | sort -u | sed 's/-[0-9]*$//' | sort | uniq -c |
        awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')
    echo "S$i $lab $text_mb $docs $wall $cpu $mbps $rss $notext $withtext $ftsw $ftsm $ftsn $xapw" >>"$out/scaling.dat"
    echo "$hits" >"$out/hits-$i.txt"
    rm -rf "$idx"
done

# 3. The table.
lat() { # lat SLICE CLASS COLUMN(4 = p50, 5 = p95)
    awk -v s="$1" -v c="$2" -v k="$3" '$1 == s && $2 == c && $3 == "quire" { printf "%.3f", $k; f = 1 } END { if (!f) printf "-" }' "$out/latency.dat"
}
classes=$(awk '{print $2}' "$out/latency.dat" | awk '!seen[$0]++')
classes=$(echo $classes) # one line
{
    echo "### Scaling: $(basename "$(dirname "$corpus")")/$(basename "$corpus"), slices $slices"
    echo
    echo "- commit: $commit; CMAKE_BUILD_TYPE=Release"
    echo "- date: $start_date to $(date -u +%H:%MZ); load average at start $start_load, at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM; $(uname -sr)"
    echo "- indexing: bench_index --threads $threads --warmup read, default memory budget, median of $runs run(s)$([ "$fts5" = 1 ] && echo "; FTS5: fts5_index, one thread, median of $runs run(s)")$([ "$xapian" = 1 ] && echo "; Xapian: xapian_index, 1 run")"
    echo "- queries: the $nq queries of $(basename "$queries").quire.tsv, top 10, warm (one untimed pass, then the median of $passes passes per query); p50/p95 are nearest-rank over a class's queries"
    echo
    echo "| slice | text MB | docs | quire s | CPU s | MB/s | CPU-s per MB | peak RSS MB | index MB without / with stored text | without, % of text |$([ "$fts5" = 1 ] && echo " FTS5 s | FTS5 MB/s | FTS5 index MB without stored text |")$([ "$xapian" = 1 ] && echo " Xapian s |")"
    echo "|---|---|---|---|---|---|---|---|---|---|$([ "$fts5" = 1 ] && echo "---|---|---|")$([ "$xapian" = 1 ] && echo "---|")"
    while read -r sid lab tmb docs wall cpu mbps rss nt wt fw fm fn xw; do
        row="| $lab | $tmb | $docs | $wall | $cpu | $mbps | $(awk -v c="$cpu" -v t="$tmb" 'BEGIN{printf "%.4f", c / t}') | $rss | $nt / $wt | $(awk -v n="$nt" -v t="$tmb" 'BEGIN{printf "%.1f%%", 100 * n / t}') |"
        [ "$fts5" = 1 ] && row="$row $fw | $fm | $fn |"
        [ "$xapian" = 1 ] && row="$row $xw |"
        echo "$row"
    done <"$out/scaling.dat"
    echo
    if [ "$(wc -l <"$out/scaling.dat")" -ge 2 ]; then
        echo "Growth from the smallest to the largest slice, as the exponent b of figure ~ text MB^b"
        echo "(1: linear; below 1: slower than the corpus grows): $(awk '
            NR == 1 { for (k = 3; k <= NF; k++) a[k] = $k }
            { for (k = 3; k <= NF; k++) z[k] = $k }
            function b(k) { return (a[k] > 0 && z[k] > 0 && z[3] != a[3]) ? sprintf("%.2f", log(z[k] / a[k]) / log(z[3] / a[3])) : "-" }
            END { printf "quire wall s %s, CPU s %s, peak RSS %s, index without stored text %s, with %s", b(5), b(6), b(8), b(9), b(10)
                  if (a[11] != "NaN") printf ", FTS5 wall s %s", b(11)
                  printf "." }' "$out/scaling.dat")"
        echo
    fi
    echo "quire's query latency, ms, p50 / p95 per class (warm, top 10):"
    echo
    head="| slice | text MB |"
    sep="|---|---|"
    for c in $classes; do head="$head $c |"; sep="$sep---|"; done
    echo "$head"
    echo "$sep"
    while read -r sid lab tmb rest; do
        row="| $lab | $tmb |"
        for c in $classes; do row="$row $(lat "$sid" "$c" 4) / $(lat "$sid" "$c" 5) |"; done
        echo "$row"
    done <"$out/scaling.dat"
    if [ "$(wc -l <"$out/scaling.dat")" -ge 2 ]; then
        row="| exponent b of p50 / p95 ~ MB^b | |"
        first=$(head -1 "$out/scaling.dat" | awk '{print $1, $3}')
        last=$(tail -1 "$out/scaling.dat" | awk '{print $1, $3}')
        for c in $classes; do
            row="$row $(awk -v m0="${first#* }" -v m1="${last#* }" -v p0="$(lat "${first% *}" "$c" 4)" -v p1="$(lat "${last% *}" "$c" 4)" \
                -v q0="$(lat "${first% *}" "$c" 5)" -v q1="$(lat "${last% *}" "$c" 5)" '
                function b(x, y) { return (x > 0 && y > 0 && m1 != m0) ? sprintf("%.2f", log(y / x) / log(m1 / m0)) : "-" }
                BEGIN { printf "%s / %s", b(p0, p1), b(q0, q1) }') |"
        done
        echo "$row"
    fi
    echo
    echo "Queries with hits, of $nq (drawn from the whole sample, so a small slice misses some rare words):"
    echo
    while read -r sid lab rest; do
        echo "- $lab: $(cat "$out/hits-${sid#S}.txt")"
    done <"$out/scaling.dat"
    echo
} >"$out/scaling.md"

# 4. Plots.
if command -v gnuplot >/dev/null; then
    # per slice: text MB, then p50 (p95) of each class, in the order of $classes
    for k in 4 5; do
        {
            echo "# MB $classes"
            while read -r sid lab tmb rest; do
                row="$tmb"
                for c in $classes; do v=$(lat "$sid" "$c" $k); [ "$v" = - ] && v=NaN; row="$row $v"; done
                echo "$row"
            done <"$out/scaling.dat"
        } >"$out/latency-plot-$k.dat"
    done
    ncls=$(echo "$classes" | wc -w)
    gnuplot <<GP
set terminal pngcairo size 1100,480 noenhanced
set output "$report/scaling-index.png"
set multiplot layout 1,2 title "quire indexing against corpus size (slices of $(basename "$(dirname "$corpus")"))"
set xlabel "text MB"
set key top left
set grid
set ylabel "seconds"
plot "$out/scaling.dat" using 3:5 with linespoints title "quire wall s", \
     '' using 3:6 with linespoints title "quire CPU s"$([ "$fts5" = 1 ] && echo ", '' using 3:11 with linespoints title \"FTS5 wall s\"")
set ylabel "MB"
plot "$out/scaling.dat" using 3:8 with linespoints title "peak RSS", \
     '' using 3:9 with linespoints title "index without stored text", \
     '' using 3:10 with linespoints title "index with stored text"
unset multiplot
GP
    gnuplot <<GP
set terminal pngcairo size 1100,480 noenhanced
set output "$report/scaling-latency.png"
set multiplot layout 1,2 title "quire query latency per class against corpus size (warm, top 10; log-log: a slope of 1 is linear growth)"
set xlabel "text MB"
set ylabel "ms"
set logscale xy
set key top left
set grid
set title "p50"
plot for [k=2:$((ncls + 1))] "$out/latency-plot-4.dat" using 1:k with linespoints title word("$classes", k - 1)
set title "p95"
plot for [k=2:$((ncls + 1))] "$out/latency-plot-5.dat" using 1:k with linespoints title word("$classes", k - 1)
unset multiplot
GP
    {
        echo "![scaling-index.png](scaling-index.png)"
        echo
        echo "![scaling-latency.png](scaling-latency.png)"
        echo
    } >>"$out/scaling.md"
else
    echo "run_scaling.sh: gnuplot not found: no plots" >&2
fi
[ "$report" = "$out" ] || cp "$out/scaling.md" "$report/scaling.md"
cat "$out/scaling.md"
echo "run_scaling.sh: results in $out" >&2
