#!/usr/bin/env bash
# run_serve_bench.sh - quire-serve on loopback: requests/s and p50/p99 latency of searches
# with one passage per hit at 1, 4 and 16 concurrent clients, beside quire-query --batch on
# the same queries and index (its per-query time: search and JSON output, the same work
# without HTTP), and what the server adds per request: the latency minus the engine's time
# that quire-serve reports in its Server-Timing header (HTTP parsing, the thread pool, JSON
# building, the socket round trip), and the part of it spent in the handler. A second
# table does the same for the rare-word queries without passages, where the engine's time
# is near zero and what is left is the server's own cost.
#
#   bench/run_serve_bench.sh [--obj DIR] [--out DIR] [--index DIR] [--corpus FILE]
#                            [--queries FILE] [--seconds S] [--clients "1 4 16"]
#                            [--threads N]
#
#   --obj DIR      a Release build with quire-index, quire-query, quire-serve and
#                  bench/bench_serve_load (default: build the working tree into
#                  bench/build/obj-serve)
#   --index DIR    an index of the corpus to reuse (default: index --corpus into a
#                  temporary folder, ~1 minute for the Wikipedia sample here)
#   --corpus FILE  default ../shared/corpora/enwiki-sample/corpus.jsonl.gz
#   --queries FILE qid<TAB>query lines (default bench/queries/enwiki.quire.tsv: 700 queries,
#                  rare words, AND, OR, phrases, quotes, NEAR, prefixes)
#   --seconds S    per concurrency level (default 20), after a 5 s warm-up
#   --clients L    concurrency levels (default "1 4 16")
#   --threads N    quire-serve's worker threads (default: its own, the number of cores)
#
# Writes serve.md (a Markdown table) and the raw figures to --out (default
# bench/out/serve-DATE/). The client runs on the same machine as the server: with 2 cores,
# 16 clients compete with the server for them, as the figures show.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpora=$(cd "$root/../shared/corpora" 2>/dev/null && pwd || echo /work/shared/corpora)
obj="" out="" index="" corpus="$corpora/enwiki-sample/corpus.jsonl.gz"
queries="$here/queries/enwiki.quire.tsv" seconds=20 levels="1 4 16" threads=""
while [ $# -gt 0 ]; do
    case "$1" in
    --obj) obj=$2; shift ;;
    --out) out=$2; shift ;;
    --index) index=$2; shift ;;
    --corpus) corpus=$2; shift ;;
    --queries) queries=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --clients) levels=$2; shift ;;
    --threads) threads=$2; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "run_serve_bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ -z "$obj" ]; then
    obj="$here/build/obj-serve"
    mkdir -p "$obj"
    cmake -S "$root" -B "$obj" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF >/dev/null
    cmake --build "$obj" -j2 >"$obj/build.log" 2>&1 || { tail -30 "$obj/build.log"; exit 1; }
fi
obj=$(cd "$obj" && pwd)
[ -n "$out" ] || out="$here/out/serve-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-servebench-XXXXXX")
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$index" ]; then
    index="$work/index"
    echo "run_serve_bench.sh: indexing $corpus" >&2
    t0=$(date +%s)
    "$obj/quire-index" -q "$index" "$corpus" 2>"$out/index.log"
    echo "indexed in $(($(date +%s) - t0)) s" >>"$out/index.log"
fi

# quire-query --batch: the same queries and passages, 3 passes; a query's time is its
# median over them.
echo "run_serve_bench.sh: quire-query --batch, 3 passes" >&2
for pass in 1 2 3; do
    "$obj/quire-query" --batch "$queries" --format json --passages 1 \
        --timings "$out/batch.$pass.t" "$index" >/dev/null 2>"$out/batch.log" || [ $? = 1 ]
done
batch=$(python3 - "$out"/batch.{1,2,3}.t <<'EOF'
import statistics, sys
runs = [dict(l.split("\t") for l in open(f).read().split("\n") if l) for f in sys.argv[1:]]
per = sorted(statistics.median(float(r[q]) for r in runs) for q in runs[0])
pct = lambda p: per[min(len(per) - 1, int(p * (len(per) - 1) + 0.5))]
print(f"{len(per)} {pct(0.5):.1f} {pct(0.99):.1f} {sum(per) / len(per):.1f}")
EOF
)
read -r bq bp50 bp99 bmean <<<"$batch"

echo "run_serve_bench.sh: quire-serve" >&2
topt=()
[ -n "$threads" ] && topt=(--threads "$threads")
"$obj/quire-serve" --listen 127.0.0.1:0 --time-limit 60000 "${topt[@]}" "$index" \
    >"$out/serve.out" 2>"$out/serve.log" &
server_pid=$!
for _ in $(seq 100); do grep -q ' on http://' "$out/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's|.* on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$out/serve.out")
[ -n "$port" ] || { echo "run_serve_bench.sh: quire-serve did not start" >&2; cat "$out/serve.log" >&2; exit 1; }
"$obj/bench/bench_serve_load" --port "$port" --clients 1 --seconds 5 "$queries" >"$out/warmup.txt"
: >"$out/serve.txt"
for c in $levels; do
    echo "run_serve_bench.sh: $c client(s), $seconds s" >&2
    "$obj/bench/bench_serve_load" --port "$port" --clients "$c" --seconds "$seconds" "$queries" \
        | tee -a "$out/serve.txt" >&2
done
grep -P '^rare' "$queries" >"$work/rare.tsv" || cp "$queries" "$work/rare.tsv"
: >"$out/serve-bare.txt"
for c in $levels; do
    echo "run_serve_bench.sh: $c client(s), $seconds s, rare words without passages" >&2
    "$obj/bench/bench_serve_load" --port "$port" --clients "$c" --seconds "$seconds" \
        --params passages=0 "$work/rare.tsv" | tee -a "$out/serve-bare.txt" >&2
done
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

python3 - "$out/serve.txt" "$bq" "$bp50" "$bp99" "$bmean" "$(nproc)" "$out/serve-bare.txt" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" >"$out/serve.md" <<'EOF'
import sys
def table(path):
    return [dict(kv.split("=") for kv in l.split()) for l in open(path) if l.strip()]
rows = table(sys.argv[1])
bq, bp50, bp99, bmean, cores = sys.argv[2:7]
print(f"quire-serve on loopback, {bq} queries of bench/queries (search, 1 passage per hit, "
      f"top 10), {cores} cores shared by server and clients (load average at the end: "
      f"{sys.argv[8]}).\n")
print(f"quire-query --batch, same queries and index: p50 {bp50} us, p99 {bp99} us, "
      f"mean {bmean} us per query (search + JSON output).\n")
print("| clients | requests/s | p50 us | p99 us | engine p50 us | added p50 us | added p99 us "
      "| in-server p50 us | in-server p99 us | p50 - batch p50 us | errors |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['clients']} | {float(r['rps']):.0f} | {r['latency_p50_us']} | "
          f"{r['latency_p99_us']} | {r['engine_p50_us']} | {r['added_p50_us']} | "
          f"{r['added_p99_us']} | {r['inserver_p50_us']} | {r['inserver_p99_us']} | "
          f"{float(r['latency_p50_us']) - float(bp50):.1f} | "
          f"{r['errors']} |")
print("\n'added': per request, latency at the client minus the engine's time inside the "
      "server (Server-Timing engine): what HTTP, the thread pool, the JSON, the loopback and "
      "the scheduler add; with more clients than threads it includes waiting for the other "
      "clients' searches. 'in-server': the request's time in quire-serve's handler "
      "(Server-Timing total) minus the engine's: routing and building the JSON.")
print("\nRare words (one term), no passages: the engine's time is a few microseconds, so the "
      "latency is nearly all the server's and the loopback's.\n")
print("| clients | requests/s | p50 us | p99 us | engine p50 us | added p50 us | added p99 us | errors |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in table(sys.argv[7]):
    print(f"| {r['clients']} | {float(r['rps']):.0f} | {r['latency_p50_us']} | "
          f"{r['latency_p99_us']} | {r['engine_p50_us']} | {r['added_p50_us']} | "
          f"{r['added_p99_us']} | {r['errors']} |")
EOF
cat "$out/serve.md"
echo "run_serve_bench.sh: figures in $out" >&2
