#!/usr/bin/env bash
# run_index_bench.sh - build (Release) and run the indexing benchmark of the first
# milestone: Reuters-21578 with 1 and 2 threads (3 runs each), the Wikipedia sample with
# 1 and 2 threads and with 2 threads and --memory 64M (1 run each), /usr/bin/time -v on
# quire-index --memory 64M, and the peers (Xapian, SQLite FTS5) on the same corpora where they were built.
# Results go to bench/out/<time>/ (gitignored) and are printed.
#
#   bench/run_index_bench.sh [--install] [--build-dir DIR] [--rev REV | --worktree]
#                            [--patch FILE]... [--runs N] [--no-wiki] [--no-peers]
#                            [--wiki-xapian]
#
#   --install     apt-get install what the peers need (libxapian-dev libsqlite3-dev g++);
#                 without it nothing is installed and a missing peer is only skipped
#   --build-dir   where to build (default bench/build)
#   --rev REV     benchmark the committed tree REV (default HEAD), exported with git archive
#                 into BUILD/src, with bench/ taken from the working tree; uncommitted work
#                 in other folders is left out, so the figures belong to one commit
#   --worktree    build the working tree as it is instead (figures then belong to no commit)
#   --patch FILE  apply FILE (patch -p1) to the exported tree first; say so with the figures
#   --runs N      timed runs on Reuters (default 3)
#   --wiki-xapian also index the Wikipedia sample with Xapian (about 1 MB/s here: ~7 min)
#
# CI never runs this. On a shared machine, run nothing else heavy meanwhile.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpora=$(cd "$root/../shared/corpora" 2>/dev/null && pwd || echo /work/shared/corpora)
build="$here/build"
rev=HEAD
worktree=0
install=0
runs=3
wiki=1
peers=1
wiki_xapian=0
patches=()

while [ $# -gt 0 ]; do
    case "$1" in
    --install) install=1 ;;
    --build-dir) build=$2; shift ;;
    --rev) rev=$2; shift ;;
    --worktree) worktree=1 ;;
    --patch) patches+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift ;;
    --runs) runs=$2; shift ;;
    --no-wiki) wiki=0 ;;
    --no-peers) peers=0 ;;
    --wiki-xapian) wiki_xapian=1 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "run_index_bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$install" = 1 ]; then
    apt-cache policy libxapian-dev | sed -n 1,3p
    apt-get install -y libxapian-dev libsqlite3-dev g++
fi

if [ "$worktree" = 1 ] && [ ${#patches[@]} -gt 0 ]; then
    echo "run_index_bench.sh: --patch needs an exported tree (drop --worktree)" >&2
    exit 2
fi
mkdir -p "$build"
build=$(cd "$build" && pwd)
if [ "$worktree" = 1 ]; then
    src=$root
    commit="$(git -C "$root" rev-parse --short HEAD) + uncommitted working tree"
else
    src="$build/src"
    rm -rf "$src"
    mkdir -p "$src"
    git -C "$root" archive "$rev" | tar -x -C "$src"
    rm -rf "$src/bench"
    (cd "$root" && tar -c --exclude=bench/build --exclude=bench/out bench) | tar -x -C "$src"
    commit="$(git -C "$root" rev-parse --short "$rev") (git archive), bench/ from the working tree"
    for p in "${patches[@]}"; do
        patch -d "$src" -p1 --quiet < "$p"
        commit="$commit, patched with bench/patches/$(basename "$p")"
    done
fi
obj="$build/obj"
cmake -S "$src" -B "$obj" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF >"$build/cmake.log"
cmake --build "$obj" -j2 >"$build/build.log" 2>&1 || { tail -30 "$build/build.log"; exit 1; }

bi="$obj/bench/bench_index"
qi="$obj/quire-index"
xap="$obj/bench/xapian_index"
fts="$obj/bench/fts5_index"
reuters="$corpora/reuters21578/corpus.jsonl.gz"
enwiki="$corpora/enwiki-sample/corpus.jsonl.gz"

out="$here/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
report="$out/report.md"
{
    echo "## quire indexing benchmark"
    echo
    echo "- commit: $commit"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM; $(uname -sr)"
    echo "- compiler: $(cc --version | head -1); CMAKE_BUILD_TYPE=Release"
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
} >"$report"

step() { # name command...: run, keep its Markdown, show progress
    local name=$1
    shift
    echo "run_index_bench.sh: $name: $*" >&2
    "$@" >"$out/$name.md" 2>"$out/$name.log" || { echo "FAILED: $name (see $out/$name.log)" >&2; tail -5 "$out/$name.log" >&2; return 0; }
    cat "$out/$name.md" >>"$report"
}

step reuters-t1 "$bi" --runs "$runs" --threads 1 "$reuters"
step reuters-t2 "$bi" --runs "$runs" --threads 2 "$reuters"
if [ "$peers" = 1 ]; then
    [ -x "$xap" ] && step reuters-xapian "$xap" --runs "$runs" "$reuters"
    [ -x "$fts" ] && step reuters-fts5 "$fts" --runs "$runs" "$reuters"
fi
if [ "$wiki" = 1 ]; then
    step enwiki-t1 "$bi" --runs 1 --warmup read --threads 1 "$enwiki"
    step enwiki-t2 "$bi" --runs 1 --warmup read --threads 2 "$enwiki"
    step enwiki-t2-m64 "$bi" --runs 1 --warmup read --threads 2 --memory 64M "$enwiki"
    # The same budget checked from outside, with the CLI as a user runs it.
    tmpidx=$(mktemp -d "${TMPDIR:-/tmp}/quire-bench-time-XXXXXX")
    echo "run_index_bench.sh: /usr/bin/time -v quire-index --memory 64M" >&2
    if /usr/bin/time -v "$qi" --threads 2 --memory 64M "$tmpidx/idx" "$enwiki" \
        >"$out/enwiki-time-v.log" 2>&1; then
        rss_kb=$(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); print $2}' "$out/enwiki-time-v.log")
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$out/enwiki-time-v.log")
        {
            echo "### /usr/bin/time -v quire-index --threads 2 --memory 64M (enwiki-sample)"
            echo
            echo "| figure | value |"
            echo "|---|---|"
            echo "| Maximum resident set size | $rss_kb KiB = $(awk -v k="$rss_kb" 'BEGIN{printf "%.1f", k/1024}') MB |"
            echo "| Elapsed (wall clock) | $wall |"
            echo
        } >>"$report"
    else
        echo "FAILED: /usr/bin/time quire-index (see $out/enwiki-time-v.log)" >&2
    fi
    rm -rf "$tmpidx"
    if [ "$peers" = 1 ]; then
        [ -x "$xap" ] && [ "$wiki_xapian" = 1 ] && step enwiki-xapian "$xap" --runs 1 --warmup read "$enwiki"
        [ -x "$fts" ] && step enwiki-fts5 "$fts" --runs 1 --warmup read "$enwiki"
    fi
fi
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$report"
ln -sfn "$(basename "$out")" "$here/out/latest"
cat "$report"
echo "run_index_bench.sh: results in $out" >&2
