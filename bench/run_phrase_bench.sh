#!/usr/bin/env bash
# run_phrase_bench.sh - phrases, quotes and NEAR (issue #15): this tree against another
# commit of quire (before) and against Xapian and SQLite FTS5, in one run, per corpus.
#
#   bench/run_phrase_bench.sh [--base REF] [--corpus NAME]... [--runs N] [--out DIR]
#
#   --base REF     the quire to compare with (default main), built from `git archive REF`
#                  into bench/build/obj-REF; it searches an index its own quire-index
#                  wrote, so REF may predate a format change
#   --corpus NAME  reuters (default) or enwiki (the Wikipedia sample); may be repeated
#   --runs N       timed passes per engine (default 5; a query's latency is its median)
#   --peer-cache DIR  keep Xapian's and FTS5's indexes in DIR/CORPUS-ENGINE and reuse them
#                  on later runs (they do not change with quire's code; on the Wikipedia
#                  sample, building them takes ~15 minutes); quire and the base always
#                  index afresh
#
# The queries are the phrase, quote and near classes of bench/queries/CORPUS.*.tsv
# (make_queries.py: the same queries in each engine's syntax), and the phrases again with
# one passage per hit (quire --passages 1 --format json; Xapian MSet::snippet; FTS5
# snippet()). Warm: one untimed pass, then N passes with the engines taking turns.
# The report (OUT/phrase.md) gives per class p50/p95/p99 (latency_stats.py), quire's p95
# over its own p50, the passage cost per hit, and the ten slowest phrase queries of the
# base with their times now and the peers', and the ten slowest now.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpora=$(cd "$root/../shared/corpora" 2>/dev/null && pwd || echo /work/shared/corpora)
base=main
runs=5
out=""
peer_cache=""
names=()
while [ $# -gt 0 ]; do
    case "$1" in
    --base) base=$2; shift ;;
    --corpus) names+=("$2"); shift ;;
    --runs) runs=$2; shift ;;
    --out) out=$2; shift ;;
    --peer-cache) peer_cache=$2; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "run_phrase_bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ ${#names[@]} -gt 0 ] || names=(reuters)

build() { # build SRC DIR [CMAKE OPTIONS...]
    local src=$1 dir=$2
    shift 2
    cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DQUIRE_TESTS=OFF "$@" >/dev/null
    cmake --build "$dir" -j2 >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log"; exit 1; }
}
obj="$here/build/obj-phrase"
mkdir -p "$obj"
build "$root" "$obj" -DQUIRE_BENCH=ON -DQUIRE_BENCH_PEERS=ON
base_obj="$here/build/obj-$(echo "$base" | tr '/' '_')"
if [ ! -x "$base_obj/quire-query" ]; then
    mkdir -p "$base_obj/src"
    git -C "$root" archive "$base" | tar -x -C "$base_obj/src"
    build "$base_obj/src" "$base_obj" -DQUIRE_BENCH=OFF
fi
for p in xapian_index xapian_search fts5_index fts5_search; do
    [ -x "$obj/bench/$p" ] || { echo "run_phrase_bench.sh: no bench/$p (libxapian-dev, libsqlite3-dev)" >&2; exit 1; }
done
[ -n "$out" ] || out="$here/out/phrase-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/quire-phrasebench-XXXXXX")
trap 'rm -rf "$work"' EXIT
report="$out/phrase.md"
{
    echo "# Phrases, quotes and NEAR: quire against $base and the peers"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD)" \
         "against $base ($(git -C "$root" rev-parse --short "$base")), $(nproc) cores," \
         "load $(cut -d' ' -f1-3 /proc/loadavg); top 10, warm, $runs passes, medians per" \
         "query; command: \`bench/run_phrase_bench.sh --base $base$(printf ' --corpus %s' "${names[@]}")\`."
    echo
} >"$report"

engines=(quire base xapian fts5)
# pass ENGINE CORPUS TAG QUERIES: one pass, run in $out/C.E.TAG.run, timings in .t
pass() {
    local e=$1 c=$2 tag=$3 q=$4 qo=() po=()
    if [ "${5:-}" = passages ]; then
        qo=(--format json --passages 1)
        po=(--snippets)
    fi
    case $e in
    quire) "$obj/quire-query" --batch "$q.quire.tsv" "${qo[@]}" --timings "$out/$c.$e.$tag.t" "$work/$c-$e" ;;
    base) "$base_obj/quire-query" --batch "$q.quire.tsv" "${qo[@]}" --timings "$out/$c.$e.$tag.t" "$work/$c-$e" ;;
    xapian) "$obj/bench/xapian_search" "${po[@]}" --timings "$out/$c.$e.$tag.t" "$work/$c-$e" "$q.xapian.tsv" ;;
    fts5) "$obj/bench/fts5_search" "${po[@]}" --timings "$out/$c.$e.$tag.t" "$work/$c-$e" "$q.fts5.tsv" ;;
    esac >"$out/$c.$e.$tag.run" 2>"$out/$c.$e.$tag.log" || {
        local rc=$?
        case $e in quire|base) [ $rc = 1 ] && return 0 ;; esac # 1: no query matched
        echo "run_phrase_bench.sh: $e on $c failed (rc $rc): $out/$c.$e.$tag.log" >&2
        exit 1
    }
}

for c in "${names[@]}"; do
    case $c in
    reuters) src="$corpora/reuters21578/corpus.jsonl.gz" title="Reuters-21578" ;;
    enwiki) src="$corpora/enwiki-sample/corpus.jsonl.gz" title="Wikipedia sample" ;;
    *) echo "run_phrase_bench.sh: unknown corpus $c" >&2; exit 2 ;;
    esac
    for e in quire xapian fts5; do
        grep -E '^(phrase|quote|near)-' "$here/queries/$c.$e.tsv" >"$work/$c.q.$e.tsv"
        sed -n 's/^phrase-/phrase+passages-/p' "$work/$c.q.$e.tsv" >"$work/$c.p.$e.tsv"
    done
    for e in "${engines[@]}"; do
        if [ -n "$peer_cache" ] && { [ $e = xapian ] || [ $e = fts5 ]; }; then
            mkdir -p "$peer_cache"
            if [ -e "$peer_cache/$c-$e.done" ]; then
                echo "run_phrase_bench.sh: $c: $e's index from $peer_cache" >&2
                ln -sfn "$(cd "$peer_cache" && pwd)/$c-$e" "$work/$c-$e"
                continue
            fi
        fi
        echo "run_phrase_bench.sh: $c: indexing with $e" >&2
        case $e in
        quire) "$obj/quire-index" -q "$work/$c-$e" "$src" ;;
        base) "$base_obj/quire-index" -q "$work/$c-$e" "$src" ;;
        xapian) "$obj/bench/xapian_index" --runs 1 --warmup none --keep "$work/$c-$e" --opt idvalue "$src" ;;
        fts5) "$obj/bench/fts5_index" --runs 1 --warmup none --keep "$work/$c-$e" "$src" ;;
        esac >"$out/$c.$e.index.log" 2>&1
        if [ -n "$peer_cache" ] && { [ $e = xapian ] || [ $e = fts5 ]; }; then
            rm -rf "${peer_cache:?}/$c-$e"
            mv "$work/$c-$e" "$peer_cache/$c-$e"
            touch "$peer_cache/$c-$e.done"
            ln -sfn "$(cd "$peer_cache" && pwd)/$c-$e" "$work/$c-$e"
        fi
    done
    echo "run_phrase_bench.sh: $c: warm-up, then $runs timed passes" >&2
    for e in "${engines[@]}"; do
        pass "$e" "$c" warmup "$work/$c.q"
        pass "$e" "$c" pwarmup "$work/$c.p" passages
    done
    for r in $(seq 1 "$runs"); do
        for e in "${engines[@]}"; do
            pass "$e" "$c" "w$r" "$work/$c.q"
            pass "$e" "$c" "p$r" "$work/$c.p" passages
        done
    done
    args=()
    for e in "${engines[@]}"; do
        ts=$(for r in $(seq 1 "$runs"); do printf '%s,%s,' "$out/$c.$e.w$r.t" "$out/$c.$e.p$r.t"; done)
        args+=("$e=$out/$c.$e.w1.run,$out/$c.$e.p1.run:${ts%,}")
    done
    python3 "$here/latency_stats.py" --title "$title: warm, top 10, median of $runs passes (base = quire at $base)" \
        "${args[@]}" >>"$report"
    python3 - "$out" "$c" "$runs" "$work/$c.q.quire.tsv" >>"$report" <<'EOF'
import sys, math, statistics, json
out, c, runs, qfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def pct(v, p):
    v = sorted(v)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]
def load(e, tag):
    t = {}
    for r in range(1, runs + 1):
        for line in open(f"{out}/{c}.{e}.{tag}{r}.t"):
            q, us = line.split("\t")
            t.setdefault(q, []).append(float(us))
    return {q: statistics.median(v) for q, v in t.items()}
def hits(e):  # hits per query of the passages pass
    n = {}
    for line in open(f"{out}/{c}.{e}.p1.run"):
        if e in ("quire", "base"):
            o = json.loads(line)
            if "rank" in o:
                n[o["qid"]] = n.get(o["qid"], 0) + 1
        else:
            q = line.split(" ", 1)[0]
            n[q] = n.get(q, 0) + 1
    return n
text = {}
for line in open(qfile):
    q, s = line.rstrip("\n").split("\t", 1)
    text[q] = s
E = ["quire", "base", "xapian", "fts5"]
N = {"quire": "quire", "base": "base", "xapian": "Xapian", "fts5": "FTS5"}
w = {e: load(e, "w") for e in E}
p = {e: load(e, "p") for e in E}
print("| class | quire p95 / quire p50 | fastest peer p50 / quire p50 | base p50 / quire p50 |")
print("|---|---|---|---|")
for cl in ("phrase", "quote", "near"):
    v = {e: [t for q, t in w[e].items() if q.startswith(cl + "-")] for e in E}
    q50 = pct(v["quire"], 50)
    peer = min(pct(v["xapian"], 50), pct(v["fts5"], 50))
    print(f"| {cl} | {pct(v['quire'], 95) / q50:.2f} | {peer / q50:.2f}x | {pct(v['base'], 50) / q50:.2f}x |")
print()
print("Passages: cost per hit of one passage each, microseconds (per phrase query with hits: "
      "(time with passages - time without) / hits; p50 over those queries):")
print()
print("| engine | queries | p50 us per hit | p95 us per hit |")
print("|---|---|---|---|")
for e in E:
    h = hits(e)
    per = []
    for q, tp in p[e].items():
        q0 = q.replace("phrase+passages-", "phrase-")
        if h.get(q, 0) > 0 and q0 in w[e]:
            per.append(max(0.0, tp - w[e][q0]) / h[q])
    if per:
        print(f"| {N[e]} | {len(per)} | {pct(per, 50):.1f} | {pct(per, 95):.1f} |")
print()
def table(title, key):
    print(title)
    print()
    print("| query | quire ms | base ms | Xapian ms | FTS5 ms |")
    print("|---|---|---|---|---|")
    qs = [q for q in w[key] if q.split("-")[0] in ("phrase", "quote", "near")]
    for q in sorted(qs, key=lambda q: -w[key][q])[:10]:
        cells = " | ".join(f"{w[e][q] / 1000:.3f}" if q in w[e] else "-" for e in E)
        print(f"| {q} `{text.get(q, '')[:60]}` | {cells} |")
    print()
table("The ten slowest phrase, quote and NEAR queries of the base, and their times now:", "base")
table("The ten slowest now:", "quire")
EOF
    rm -rf "${work:?}/$c-"*
done
cat "$report"
echo "run_phrase_bench.sh: results in $out" >&2
