#!/usr/bin/env bash
# run_shards_bench.sh - shard sets (issue #16): indexing speed-up with MPI ranks beside one
# process with --threads N, and the query latency overhead of scatter-gather against one
# index at 1, 2 and 4 shards (in one process, and with as many MPI ranks as shards).
#
#   bench/run_shards_bench.sh [--bin DIR] [--corpus FILE.jsonl(.gz)] [--ranks "1 2"] [--runs N]
#
#   --bin DIR     quire-index, quire-query (default: a Release build of the working tree in
#                 bench/build/shards)
#   --corpus F    JSON Lines to index (default: Reuters-21578 from ../shared, 18.8 MB)
#   --ranks LIST  rank counts for the indexing table (default "1 2": this machine has 2
#                 cores; on a 16-core machine give "1 2 4 8 16")
#   --runs N      runs per indexing figure, the median is shown (default 3)
#   --chunk SIZE  --chunk of the sharded runs (default 4M: Reuters in 5 pieces)
#
# Indexing: wall seconds (median) and speed-up against one process with --threads 1, for
# one process with --threads N and for `mpirun -n N quire-index --shards` (each rank
# --threads 1, N shards). Queries: bench/queries/reuters.quire.tsv (700 queries, 7 classes),
# top 10, no passages, warm (a first pass discarded), p50 / p95 microseconds per query from
# --timings, and the ratio to one index. Markdown on standard output, also written to
# bench/out/shards-<time>.md (gitignored). CI never runs this.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpus=${QUIRE_SHARED:-$root/../shared}/corpora/reuters21578/corpus.jsonl.gz
bin=""
ranks="1 2"
runs=3
chunk=4M
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) bin=$2; shift ;;
    --corpus) corpus=$2; shift ;;
    --ranks) ranks=$2; shift ;;
    --runs) runs=$2; shift ;;
    --chunk) chunk=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "run_shards_bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
command -v mpirun >/dev/null || { echo "run_shards_bench.sh: needs mpirun (scripts/install-deps.sh)" >&2; exit 2; }
if [ -z "$bin" ]; then
    bin=$here/build/shards
    cmake -S "$root" -B "$bin" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF -DQUIRE_BENCH=OFF >/dev/null
    cmake --build "$bin" -j"$(nproc)" >/dev/null
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d /tmp/quire-shards-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$here/out"
out=$here/out/shards-$(date +%Y%m%d-%H%M%S).md
queries=$here/queries/reuters.quire.tsv

case "$corpus" in
*.gz) zcat "$corpus" > "$tmp/corpus.jsonl" ;;
*) cp "$corpus" "$tmp/corpus.jsonl" ;;
esac
mb=$(du -m "$tmp/corpus.jsonl" | cut -f1)
docs=$(grep -c . "$tmp/corpus.jsonl")

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# "wall cpu" seconds of one run of "$@" (cpu: user + system of it and its children, the
# ranks included), the index directory removed first
timed() {
    rm -rf "$tmp/ix"
    local TIMEFORMAT='%R %U %S'
    { time "$@" > /dev/null 2> "$tmp/err"; } 2> "$tmp/time"
    tail -n 1 "$tmp/time" | awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'
}
fig() { # runs, command...: the run of median wall time
    local n=$1; shift
    for _ in $(seq 1 "$n"); do timed "$@"; done | sort -g | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'
}

{
echo "# Shard sets: indexing and scatter-gather search"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(git -C "$root" rev-parse --short HEAD), corpus $(basename "$corpus"): $docs documents, $mb MB of JSON Lines; Open MPI $(mpirun --version | head -n 1 | awk '{print $NF}'), --oversubscribe, shared memory between the ranks."
echo
echo "## Indexing"
echo
echo "The run of median wall time out of $runs; CPU: user + system of the run and its ranks; speed-up: wall time against one process with --threads 1. Load average when it started: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: compare within one run)."
echo
echo "| run | processes x threads | wall s | CPU s | MB/s | speed-up |"
echo "|---|---|---|---|---|---|"
row() { # label, procs x threads, "wall cpu"
    set -- "$1" "$2" $3
    [ -n "${base:-}" ] || base=$3
    printf '| %s | %s | %.2f | %.2f | %.1f | %.2f |\n' "$1" "$2" "$3" "$4" "$(echo "$mb / $3" | bc -l)" "$(echo "$base / $3" | bc -l)"
}
for n in $ranks; do
    row "one index, --threads $n" "1 x $n" "$(fig "$runs" "$bin/quire-index" --quiet --threads "$n" "$tmp/ix" "$tmp/corpus.jsonl")"
done
for n in $ranks; do
    row "mpirun -n $n --shards ($n shards, --chunk $chunk)" "$n x 1" "$(fig "$runs" mpirun --oversubscribe -n "$n" "$bin/quire-index" --quiet --shards --threads 1 --chunk "$chunk" "$tmp/ix" "$tmp/corpus.jsonl")"
done
echo
echo "16 ranks: not measured here (a 2-core machine); run with --ranks \"1 2 4 8 16\" on a 16-core one."
echo
echo "mpirun's own start-up is inside these times (about 0.4 s here for 2 ranks)."
echo
echo "## Query latency"
echo
echo "bench/queries/reuters.quire.tsv, 700 queries, top 10, no passages, warm; microseconds per query from --timings (p50 / p95 over all queries); ratio to one index."
echo
echo "| searched | processes | p50 us | p95 us | p50 ratio | p95 ratio |"
echo "|---|---|---|---|---|---|"
"$bin/quire-index" --quiet "$tmp/one" "$tmp/corpus.jsonl"
lat() { # label, processes, command...
    local label=$1 procs=$2; shift 2
    "$@" --batch "$queries" --passages 0 --timings "$tmp/t" > /dev/null # warm-up pass
    "$@" --batch "$queries" --passages 0 --timings "$tmp/t" > /dev/null
    local p50 p95
    p50=$(cut -f2 "$tmp/t" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR * 0.50)] }')
    p95=$(cut -f2 "$tmp/t" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR * 0.95)] }')
    [ -n "${one50:-}" ] || { one50=$p50; one95=$p95; }
    printf '| %s | %s | %.0f | %.0f | %.2f | %.2f |\n' "$label" "$procs" "$p50" "$p95" "$(echo "$p50 / $one50" | bc -l)" "$(echo "$p95 / $one95" | bc -l)"
}
lat "one index" 1 "$bin/quire-query" "$tmp/one"
for s in 1 2 4; do
    "$bin/quire-index" --quiet --shards --shard-count "$s" "$tmp/s$s" "$tmp/corpus.jsonl"
    lat "$s shards, one process" 1 "$bin/quire-query" --shards "$tmp/s$s"
done
for s in 1 2 4; do
    lat "$s shards, mpirun -n $s" "$s" mpirun --oversubscribe -n "$s" "$bin/quire-query" --shards "$tmp/s$s"
done
echo
echo "Timings are taken by rank 0 around each query (search and printing), after the other ranks' parts: the collectives' latency is inside."
} | tee "$out"
