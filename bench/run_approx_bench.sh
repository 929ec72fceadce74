#!/usr/bin/env bash
# run_approx_bench.sh - approximate quotes ("..."~) and fuzzy words (word~) on real corpora:
# latency p50/p95, against the brute force they replace and against the exact quote, the
# cost of the notes on names, and exact queries against another commit (no slower?).
#
#   bench/run_approx_bench.sh [--obj DIR] [--out DIR] [--corpus NAME]... [--runs N]
#                             [--base REF] [--scan N] [--no-callgrind]
#
#   --corpus NAME  reuters (Reuters-21578, default) or enwiki (the Wikipedia sample); may be
#                  repeated
#   --base REF     the commit whose quire-query the exact queries are compared with
#                  (default main; built from `git archive REF` into bench/build/obj-REF);
#                  it searches an index its own quire-index wrote, so REF may predate a
#                  format change
#   --scan N       quotes per corpus also answered by the brute-force scan (default 100 on
#                  Reuters, 10 on the Wikipedia sample, where one scan takes seconds)
#   --runs N       timed passes (default 5; a query's latency is its median)
#   --no-callgrind skip the instruction counts of the exact queries (valgrind)
#
# Per corpus (queries from make_approx_queries.py, 100 per class, fixed seed):
#   approx   quotes of 5-30 words with 0-3 edits as "..."~, quire-query --batch --timings
#            (top 10, no passages; with one passage too); the same quotes exact ("...");
#   scan     bench_approx quotes: the same approximate quotes through the library against
#            a scan scoring every window of every document (the ratio is scan / quire), and
#            the scan's documents must be quire's;
#   fuzzy    bench_approx fuzzy: each word's expansion against a scan of the dictionary,
#            keys read as a share of the dictionary; and the fuzzy words as queries;
#   names    rare words typed with a capital (noted) against the same in lower case (not);
#   exact    bench/queries/CORPUS.quire.tsv (make_queries.py's classes) with this tree's
#            quire-query and REF's, passes alternating, p50 per class and the ratio; and
#            valgrind --tool=callgrind instruction totals of both over the whole file
#            (deterministic, unlike times on a shared machine).
# Writes OUT/approx.md (Markdown tables) and the timings.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpora=$(cd "$root/../shared/corpora" 2>/dev/null && pwd || echo /work/shared/corpora)
obj=""
out=""
runs=5
base=main
scan=""
callgrind=1
names=()
while [ $# -gt 0 ]; do
    case "$1" in
    --obj) obj=$2; shift ;;
    --out) out=$2; shift ;;
    --corpus) names+=("$2"); shift ;;
    --runs) runs=$2; shift ;;
    --base) base=$2; shift ;;
    --scan) scan=$2; shift ;;
    --no-callgrind) callgrind=0 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "run_approx_bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ ${#names[@]} -gt 0 ] || names=(reuters)

build() { # build SRC DIR
    cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF -DQUIRE_BENCH=ON \
        -DQUIRE_BENCH_PEERS=OFF >/dev/null
    cmake --build "$2" -j2 >"$2/build.log" 2>&1 || { tail -30 "$2/build.log"; exit 1; }
}
if [ -z "$obj" ]; then
    obj="$here/build/obj-worktree"
    mkdir -p "$obj"
    build "$root" "$obj"
fi
obj=$(cd "$obj" && pwd)
base_obj="$here/build/obj-$(echo "$base" | tr '/' '_')"
if [ ! -x "$base_obj/quire-query" ]; then
    mkdir -p "$base_obj/src"
    git -C "$root" archive "$base" | tar -x -C "$base_obj/src"
    build "$base_obj/src" "$base_obj"
fi
[ -n "$out" ] || out="$here/out/approx-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-approxbench-XXXXXX")
trap 'rm -rf "$work"' EXIT
report="$out/approx.md"
: >"$report"

# stats FILE...: "p50 p95" in ms of the per-query medians of several --timings files
stats() {
    python3 - "$@" <<'EOF'
import sys, statistics, math
t = {}
for f in sys.argv[1:]:
    for line in open(f):
        q, us = line.split("\t")
        t.setdefault(q, []).append(float(us))
v = sorted(statistics.median(x) for x in t.values())
p = lambda k: v[max(0, math.ceil(k / 100 * len(v)) - 1)]
print(f"{p(50) / 1000:.3f} {p(95) / 1000:.3f}")
EOF
}

# batch BIN QUERIES TAG [OPTIONS...]: runs passes of quire-query --batch, timings in $work
batch() {
    local bin=$1 q=$2 tag=$3 c=$4
    shift 4
    "$bin" --batch "$q" --format json -p 0 "$@" "$work/$c.idx" >/dev/null 2>"$work/$tag.err" || {
        local rc=$?
        [ $rc = 1 ] || { echo "run_approx_bench.sh: $tag failed (rc $rc)" >&2; cat "$work/$tag.err" >&2; exit 1; }
    }
    for r in $(seq 1 "$runs"); do
        "$bin" --batch "$q" --format json -p 0 "$@" --timings "$work/$tag.$r.t" "$work/$c.idx" \
            >/dev/null 2>>"$work/$tag.err" || true
    done
}

{
    echo "# Approximate quotes and fuzzy words"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD)" \
         "against $base ($(git -C "$root" rev-parse --short "$base")), $(nproc) cores," \
         "load $(cut -d' ' -f1-3 /proc/loadavg); $runs passes, medians per query."
    echo
} >>"$report"

for c in "${names[@]}"; do
    case $c in
    reuters) src="$corpora/reuters21578/corpus.jsonl.gz" title="Reuters-21578" n_scan=${scan:-100} ;;
    enwiki) src="$corpora/enwiki-sample/corpus.jsonl.gz" title="Wikipedia sample" n_scan=${scan:-10} ;;
    *) echo "run_approx_bench.sh: unknown corpus $c" >&2; exit 2 ;;
    esac
    echo "== $title: index, queries" >&2
    "$obj/quire-index" --quiet "$work/$c.idx" "$src"
    "$base_obj/quire-index" --quiet "$work/$c.base.idx" "$src"
    python3 "$here/make_approx_queries.py" "$src" "$work/$c"
    qq="$obj/quire-query"
    echo "== $title: approximate and exact quotes" >&2
    batch "$qq" "$work/$c.approx.tsv" "$c.approx" "$c" --no-notes
    batch "$qq" "$work/$c.approx.tsv" "$c.approx-p" "$c" --no-notes -p 1
    batch "$qq" "$work/$c.exact.tsv" "$c.exact" "$c" --no-notes --no-close
    batch "$qq" "$work/$c.fuzzy.tsv" "$c.fuzzyq" "$c" --no-notes
    batch "$qq" "$work/$c.names.tsv" "$c.names" "$c"
    batch "$qq" "$work/$c.lower.tsv" "$c.lower" "$c"
    batch "$qq" "$work/$c.names.tsv" "$c.names-off" "$c" --no-notes
    echo "== $title: against the scans" >&2
    "$obj/bench/bench_approx" quotes "$work/$c.idx" "$work/$c.approx.tsv" --runs 3 --scan "$n_scan" \
        >"$out/$c.scan.tsv"
    "$obj/bench/bench_approx" fuzzy "$work/$c.idx" "$work/$c.fuzzy.tsv" --runs 3 >"$out/$c.fuzzy.tsv"
    echo "== $title: exact queries, this tree and $base" >&2
    for r in $(seq 1 "$runs"); do
        for side in new base; do
            bin=$qq
            idx=$work/$c.idx
            [ $side = base ] && bin=$base_obj/quire-query idx=$work/$c.base.idx
            "$bin" --batch "$here/queries/$c.quire.tsv" --timings "$work/$c.exact-$side.$r.t" \
                "$idx" >/dev/null 2>&1 || true
        done
    done
    cp "$work"/*.t "$out/" 2>/dev/null || true
    read -r a50 a95 < <(stats "$work/$c.approx".*.t)
    read -r p50 p95 < <(stats "$work/$c.approx-p".*.t)
    read -r e50 e95 < <(stats "$work/$c.exact".*.t)
    read -r f50 f95 < <(stats "$work/$c.fuzzyq".*.t)
    read -r n50 n95 < <(stats "$work/$c.names".*.t)
    read -r l50 l95 < <(stats "$work/$c.lower".*.t)
    read -r o50 o95 < <(stats "$work/$c.names-off".*.t)
    {
        echo "## $title"
        echo
        echo "| queries | p50 ms | p95 ms |"
        echo "|---|---|---|"
        echo "| approximate quotes, 5-30 words, 0-3 edits (\"...\"~) | $a50 | $a95 |"
        echo "| the same with one passage per hit (renderings aligned) | $p50 | $p95 |"
        echo "| the same quotes exact (\"...\") | $e50 | $e95 |"
        echo "| fuzzy words (word~, 2 in 3 re-spelled) | $f50 | $f95 |"
        echo "| rare words typed with a capital (notes on) | $n50 | $n95 |"
        echo "| the same, --no-notes | $o50 | $o95 |"
        echo "| the same in lower case (no notes) | $l50 | $l95 |"
        echo
        python3 - "$out/$c.scan.tsv" "$out/$c.fuzzy.tsv" <<'EOF'
import sys, math, statistics
def pct(v, k):
    v = sorted(v)
    return v[max(0, math.ceil(k / 100 * len(v)) - 1)]
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#")]
q = [float(r[1]) for r in rows]
s = [(float(r[1]), float(r[2])) for r in rows if r[2] != "-"]
print(f"Approximate quotes through the library (bench_approx quotes): p50 {pct(q, 50) / 1000:.3f} ms, "
      f"p95 {pct(q, 95) / 1000:.3f} ms over {len(q)} quotes; against the scan of every window on "
      f"{len(s)} of them: scan p50 {pct([b for _, b in s], 50) / 1000:.1f} ms, ratio scan / quire "
      f"p50 {pct([b / a for a, b in s], 50):.0f}x (min {min(b / a for a, b in s):.0f}x); the scan's "
      f"documents were quire's for every one.")
print()
lines = open(sys.argv[2]).read().splitlines()
rows = [l.split("\t") for l in lines if not l.startswith("#")]
refused = [l.split(": ")[-1] for l in lines if l.startswith("# refused")]
lowered = [l.split(": ")[-1] for l in lines if l.startswith("# lowered")]
print("| fuzzy word expansion | words | p50 ms | p95 ms | dictionary scan p50 ms | scan / walk p50 | keys read p50 (share of the forms) | seeks p50 |")
print("|---|---|---|---|---|---|---|---|")
for d in sorted({r[1] for r in rows}):
    g = [r for r in rows if r[1] == d]
    t = [float(r[2]) for r in g]
    sc = [float(r[3]) for r in g]
    keys = [int(r[4]) for r in g]
    forms = int(g[0][6])
    print(f"| distance {d} | {len(g)} | {pct(t, 50) / 1000:.3f} | {pct(t, 95) / 1000:.3f} | "
          f"{pct(sc, 50) / 1000:.1f} | {pct([b / a for a, b in zip(t, sc)], 50):.1f}x | "
          f"{pct(keys, 50)} ({100 * pct(keys, 50) / forms:.1f}% of {forms}) | "
          f"{pct([int(r[5]) for r in g], 50)} |")
print()
if lowered and lowered[0] != "0":
    print(f"{lowered[0]} of the words had more forms than the cap within their default "
          f"distance and were expanded at the next smaller one, as quire-query does (with a "
          f"note); the row is the distance used, the time includes the attempt refused.")
    print()
if refused and refused[0] != "0":
    print(f"{refused[0]} words were refused at every distance.")
    print()
EOF
        echo "Exact queries (bench/queries/$c.quire.tsv), this tree against $base (each on the index its own quire-index wrote), p50 ms per class:"
        echo
        python3 - "$work/$c" "$runs" <<'EOF'
import sys, math, statistics
pre, runs = sys.argv[1], int(sys.argv[2])
def load(side):
    t = {}
    for r in range(1, runs + 1):
        for line in open(f"{pre}.exact-{side}.{r}.t"):
            q, us = line.split("\t")
            t.setdefault(q, []).append(float(us))
    return {q: statistics.median(v) for q, v in t.items()}
new, base = load("new"), load("base")
print("| class | this tree | base | base / this |")
print("|---|---|---|---|")
for c in sorted({q.split("-")[0] for q in new}):
    a = sorted(v for q, v in new.items() if q.startswith(c + "-"))
    b = sorted(v for q, v in base.items() if q.startswith(c + "-"))
    p = lambda v: v[max(0, math.ceil(len(v) / 2) - 1)]
    print(f"| {c} | {p(a) / 1000:.3f} | {p(b) / 1000:.3f} | {p(b) / p(a):.2f} |")
print()
EOF
    } >>"$report"
    if [ "$callgrind" = 1 ] && command -v valgrind >/dev/null; then
        echo "== $title: callgrind, exact queries" >&2
        for side in new base; do
            bin=$qq
            idx=$work/$c.idx
            [ $side = base ] && bin=$base_obj/quire-query idx=$work/$c.base.idx
            valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --batch \
                "$here/queries/$c.quire.tsv" "$idx" >/dev/null 2>"$work/$c.cg-$side.log" || true
        done
        a=$(sed -n 's/.*refs: *//p' "$work/$c.cg-new.log" | tr -d ,)
        b=$(sed -n 's/.*refs: *//p' "$work/$c.cg-base.log" | tr -d ,)
        {
            echo "Instructions (valgrind --tool=callgrind) over the whole file, index open included:" \
                 "this tree $a, $base $b (this / base $(python3 -c "print(f'{$a / $b:.4f}')"))."
            echo
        } >>"$report"
    fi
done
cat "$report"
