#!/usr/bin/env bash
# run_nightly_bench.sh - the nightly-update benchmark of issue #4: build an index from the
# first 90% of the Wikipedia sample, then apply the other 10% in ten nightly batches, each
# also replacing REPL older articles (same id, text of the article with a marker added) and
# deleting DEL older ids with --delete-from. Prints, per batch: seconds (wall), CPU seconds,
# documents new / replaced / deleted, segments after it, merges it ran, index size on disk,
# and live / deleted documents; then checks the final index with --verify and compares it
# with a fresh index of the same final documents (document count, tokens, --count of a few
# queries). Results also go to bench/out/nightly-<time>/ (gitignored).
#
#   bench/run_nightly_bench.sh [--bin DIR] [--threads N] [--repl N] [--del N] [--keep]
#
#   --bin DIR   quire-index and quire-query to use (default: build a Release tree of the
#               working tree in bench/build-nightly)
#   --threads N indexing threads (default 2)
#   --repl N    replacements per batch (default 100); --del N deletions per batch (default 50)
#
# CI never runs this. On a shared machine, run nothing else heavy meanwhile.
set -eu # no pipefail: `... | head -n N` ends its writer early on purpose

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpus=${QUIRE_SHARED:-$root/../shared}/corpora/enwiki-sample/corpus.jsonl.gz
bin=""
threads=2
repl=100
del=50
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) bin=$2; shift ;;
    --threads) threads=$2; shift ;;
    --repl) repl=$2; shift ;;
    --del) del=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run_nightly_bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -r "$corpus" ] || { echo "run_nightly_bench.sh: $corpus not readable" >&2; exit 1; }
if [ -z "$bin" ]; then
    bin=$here/build-nightly
    cmake -S "$root" -B "$bin" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$bin" -j"$threads" --target quire-index quire-query >/dev/null
fi
out=$here/out/nightly-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
work=$(mktemp -d /tmp/quire-nightly-bench-XXXXXX)
[ "$keep" = 1 ] || trap 'rm -rf "$work"' EXIT

zcat "$corpus" >"$work/all.jsonl"
n=$(wc -l <"$work/all.jsonl")
base_n=$((n * 9 / 10))
batch_n=$(((n - base_n + 9) / 10))
head -n "$base_n" "$work/all.jsonl" >"$work/base.jsonl"
id_of() { sed 's/^{"id": *"\([^"]*\)".*/\1/'; }

cpu() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat" 2>/dev/null; }
# run_timed LOG CMD...: wall and CPU seconds (user+sys of the command, from /usr/bin/time)
run_timed() {
    local log=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$log" 2>&1
    read -r wall user sys <"$work/time"
    echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
}

idx=$work/idx
echo "corpus: $n articles; base $base_n, ten batches of about $batch_n new, $repl replaced, $del deleted" | tee "$out/summary.txt"
read -r wall cpu_s < <(run_timed "$out/base.log" "$bin/quire-index" --threads "$threads" "$idx" "$work/base.jsonl")
size=$(du -sb "$idx" | cut -f1)
printf '| batch | new | replaced | deleted | seconds | CPU s | segments | merges | index MB | live docs | deleted docs |\n' | tee -a "$out/summary.txt"
printf '|---|---|---|---|---|---|---|---|---|---|---|\n' | tee -a "$out/summary.txt"
printf '| base (90%%) | %d | 0 | 0 | %s | %s | 1 | 0 | %.1f | %d | 0 |\n' "$base_n" "$wall" "$cpu_s" \
    "$(echo "$size / 1048576" | bc -l)" "$base_n" | tee -a "$out/summary.txt"
cp "$work/base.jsonl" "$work/live.jsonl" # the final documents, for the fresh index
for b in 1 2 3 4 5 6 7 8 9 10; do
    first=$((base_n + (b - 1) * batch_n + 1))
    last=$((first + batch_n - 1))
    sed -n "${first},${last}p" "$work/all.jsonl" >"$work/batch$b.jsonl"
    new=$(wc -l <"$work/batch$b.jsonl")
    # replacements: older articles again, with a marker word in the text
    awk -v b="$b" -v r="$repl" -v seed="$b" 'BEGIN { srand(seed) } { if (rand() < r / NR_TOTAL) print }' \
        NR_TOTAL="$base_n" "$work/base.jsonl" | head -n "$repl" |
        sed "s/\"text\": *\"/\"text\": \"nightlyrevision$b /" >>"$work/batch$b.jsonl"
    # deletions: older ids not replaced in this batch
    awk -v seed="$((b + 100))" -v d="$del" 'BEGIN { srand(seed) } { if (rand() < 3 * d / NR_TOTAL) print }' \
        NR_TOTAL="$base_n" "$work/base.jsonl" | id_of | grep -vxF -f <(id_of <"$work/batch$b.jsonl") |
        head -n "$del" >"$work/del$b.txt"
    read -r wall cpu_s < <(run_timed "$out/batch$b.log" "$bin/quire-index" --threads "$threads" \
        --delete-from "$work/del$b.txt" "$idx" "$work/batch$b.jsonl")
    grep -q '^indexed' "$out/batch$b.log" || { cat "$out/batch$b.log"; exit 1; }
    repl_n=$(sed -n 's/^  [0-9]* new, \([0-9]*\) replaced.*/\1/p' "$out/batch$b.log")
    del_n=$(sed -n 's/.* \([0-9]*\) deleted by id.*/\1/p' "$out/batch$b.log")
    merges=$(sed -n 's/.*by id; \([0-9]*\) merge.*/\1/p' "$out/batch$b.log")
    "$bin/quire-index" --stats "$idx" >"$work/stats"
    segs=$(sed -n 's/.*generation [0-9]*, \([0-9]*\) segment.*/\1/p' "$work/stats")
    live=$(sed -n 's/^documents *\([0-9]*\).*/\1/p' "$work/stats")
    dead=$(sed -n 's/^documents.*(+\([0-9]*\) deleted.*/\1/p' "$work/stats")
    size=$(du -sb "$idx" | cut -f1)
    printf '| %d | %d | %s | %s | %s | %s | %s | %s | %.1f | %s | %s |\n' "$b" "$((new))" "$repl_n" "$del_n" \
        "$wall" "$cpu_s" "$segs" "$merges" "$(echo "$size / 1048576" | bc -l)" "$live" "${dead:-0}" |
        tee -a "$out/summary.txt"
    # the live set, for the fresh index at the end: newest version of each id wins
    cat "$work/batch$b.jsonl" >>"$work/live.jsonl"
    awk 'NR == FNR { gone[$0] = 1; next } { id = $0; sub(/^{"id": *"/, "", id); sub(/".*/, "", id); if (!(id in gone)) print }' \
        "$work/del$b.txt" "$work/live.jsonl" >"$work/live2.jsonl" && mv "$work/live2.jsonl" "$work/live.jsonl"
done
"$bin/quire-index" --verify "$idx" >"$out/verify.log" 2>&1 && echo "verify: ok" | tee -a "$out/summary.txt" ||
    { echo "verify: FAILED (see $out/verify.log)" | tee -a "$out/summary.txt"; exit 1; }
read -r wall cpu_s < <(run_timed "$out/fresh.log" "$bin/quire-index" --threads "$threads" "$work/fresh" "$work/live.jsonl")
echo "fresh index of the final documents: $wall s" | tee -a "$out/summary.txt"
for q in "history" "\"united states\"" "river NEAR/3 city" "nightlyrevision3"; do
    a=$("$bin/quire-query" --count "$idx" "$q" | head -1)
    f=$("$bin/quire-query" --count "$work/fresh" "$q" | head -1)
    echo "--count $q: updated '$a', fresh '$f'" | tee -a "$out/summary.txt"
    [ "$a" = "$f" ] || { echo "MISMATCH" | tee -a "$out/summary.txt"; exit 1; }
done
a=$("$bin/quire-index" --stats "$idx" | grep -E '^(documents|tokens)' | sed 's/ (+.*//')
f=$("$bin/quire-index" --stats "$work/fresh" | grep -E '^(documents|tokens)' | sed 's/ (+.*//')
[ "$a" = "$f" ] && echo "documents and tokens equal the fresh index's" | tee -a "$out/summary.txt" ||
    { echo "stats differ: $a / $f" | tee -a "$out/summary.txt"; exit 1; }
# what finding ids costs a run: a dry run reads every live id of the index and writes nothing
read -r wall cpu_s < <(run_timed "$out/dry.log" "$bin/quire-index" --dry-run --delete no-such-id "$idx")
echo "reading the ids of $(sed -n 's/^documents *\([0-9]*\).*/\1/p' "$work/stats") documents (--dry-run --delete): $wall s" | tee -a "$out/summary.txt"
read -r wall cpu_s < <(run_timed "$out/optimize.log" "$bin/quire-index" --optimize "$idx")
echo "--optimize: $wall s, $(du -sb "$idx" | cut -f1 | awk '{ printf "%.1f", $1 / 1048576 }') MB after" | tee -a "$out/summary.txt"
echo "results: $out/summary.txt"
