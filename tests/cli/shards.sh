#!/bin/bash
# shards.sh - shard sets (issue #16). Reuters-21578 (all 21,578 articles, as one JSON Lines
# file cut into 1 MB chunks, so that each process reads byte ranges of it) is indexed once
# as one index and as shard sets: 4 shards by one process, and, with Open MPI on loopback,
# 1, 2 and 4 ranks under mpirun. Then:
#   - the 4 shards made by 1 process and by 4 ranks are byte-identical;
#   - tests/shard/shard_check runs the 700 queries of bench/queries/reuters.quire.tsv (AND
#     and ranked OR, k 10 with passages and k 100) and 200 random boolean ones on every set,
#     in one process (every 8th query under mpirun, 100 random), against the one index: ids, order, scores (bit for bit),
#     passages, exact counts;
#   - quire-query --shards (alone and under mpirun) prints what quire-query prints for the
#     one index, and exits alike, also with --offset, --sort date/-date, --proximity and
#     --title-weight (shard_check runs those on its queries too);
#   - a nightly update (2158 new articles, 520 replaced, 300 deleted by id) applied to the
#     sets (alone and by 2 ranks) equals a fresh index of the resulting documents;
#   - a set whose shard was built with another analyzer, or lacks a shard, is refused,
#     naming the shard;
#   - a run whose shard 1 is locked by another writer fails naming shard 1 and commits no
#     shard (shard 0 was ready to);
#   - a rank killed (SIGKILL) in the middle of an update leaves every shard at its last
#     commit (--verify, generation, documents), and the next run completes.
# The sanitizer tree runs it on the first 6,000 articles and fewer queries (see below).
# Without mpirun (a build without MPI) the MPI parts are skipped, saying so; CI installs
# Open MPI (scripts/install-deps.sh), so they run there.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set}
shared=${QUIRE_SHARED:-/work/shared}
corpus=$shared/corpora/reuters21578/corpus.jsonl.gz
queries=$src/bench/queries/reuters.quire.tsv
tmp=$(mktemp -d /tmp/quire-shards-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ -r "$corpus" ] || { echo "shards: SKIPPED: $corpus not readable"; exit 0; }

failures=0
checks=0
fail() { echo "shards: FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { checks=$((checks + 1)); }
index() { "$bin/quire-index" --quiet "$@"; }

# mpirun on one machine, as root in a container: root must be allowed explicitly and more
# ranks than cores need --oversubscribe; Open MPI's defaults do the rest here (shared
# memory between the ranks; README "Several hosts" lists the settings other containers need).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=0
if [ "${QUIRE_HAVE_MPI:-OFF}" = ON ] && command -v mpirun >/dev/null; then
    mpi=1
else
    echo "shards: MPI parts SKIPPED: quire built without MPI or no mpirun (scripts/install-deps.sh installs Open MPI)"
fi
# Open MPI's own allocations are never freed: LeakSanitizer would fail every MPI run of the
# ASan tree, so leak checks stay on for the runs without mpirun only.
mpirun_() { ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" mpirun --oversubscribe "$@"; }

# The sanitizer tree (a -O0 build, several times slower) runs the same checks on the first
# 6,000 articles with a quarter of the queries, to stay within a few minutes.
docs=21578 one_stride=1 mpi_stride=8 random=200
if [ "${QUIRE_SANITIZE:-OFF}" = ON ]; then docs=6000 one_stride=4 mpi_stride=16 random=50; fi
zcat "$corpus" | head -n "$docs" > "$tmp/reuters.jsonl"
index "$tmp/one" "$tmp/reuters.jsonl" || fail "one index"

check() { # label, shard_check args...
    local label=$1; shift
    local out
    out=$("$@" 2>&1)
    local rc=$?
    echo "$label: $(echo "$out" | tail -n 1)"
    if [ $rc -ne 0 ]; then fail "$label"; echo "$out" | head -n 20 >&2; else ok; fi
}

# ---- building: one process, then 1, 2, 4 ranks
index --shards --shard-count 4 --chunk 1M "$tmp/s4" "$tmp/reuters.jsonl" || fail "4 shards, one process"
check "4 shards, one process" "$bin/tests/shard_check" "$tmp/s4" "$tmp/one" "$queries" $random $one_stride
if [ $mpi = 1 ]; then
    for n in 1 2 4; do
        mpirun_ -n $n "$bin/quire-index" --quiet --shards --chunk 1M "$tmp/m$n" "$tmp/reuters.jsonl" ||
            fail "mpirun -n $n quire-index --shards"
        check "$n shards, mpirun -n $n" mpirun_ -n $n "$bin/tests/shard_check" "$tmp/m$n" "$tmp/one" "$queries" $((random / 2)) $mpi_stride
    done
    check "4 shards, mpirun -n 2" mpirun_ -n 2 "$bin/tests/shard_check" "$tmp/m4" "$tmp/one" "$queries" $((random / 4)) $((mpi_stride * 2))
    # the same shards whoever reads the inputs
    same=1
    for f in $(cd "$tmp/s4" && find . -type f ! -name LOCK | sort); do
        cmp -s "$tmp/s4/$f" "$tmp/m4/$f" || { same=0; fail "shard file $f differs between 1 process and 4 ranks"; }
    done
    [ $same = 1 ] && ok
fi

# ---- the programs: quire-query --shards prints what one index gets, exits alike. With
# --exact-count: a pruned count is a lower bound that depends on each index's thresholds
# (a phrase is matched lazily, #15), so "at least 22" on one index may be "27" on the set.
for q in 'oil prices' '"crude oil"' 'coffee -brazil' 'zzzznothing'; do
    "$bin/quire-query" --color never --exact-count "$tmp/one" "$q" > "$tmp/want.txt"; want=$?
    "$bin/quire-query" --color never --exact-count --shards "$tmp/s4" "$q" > "$tmp/got.txt"; got=$?
    if [ $want = $got ] && cmp -s "$tmp/want.txt" "$tmp/got.txt"; then ok; else fail "quire-query --shards '$q' (exit $got, want $want)"; fi
    if [ $mpi = 1 ]; then
        mpirun_ -n 4 "$bin/quire-query" --color never --exact-count --shards "$tmp/m4" "$q" > "$tmp/got.txt" 2>"$tmp/err.txt"; got=$?
        if [ $want = $got ] && cmp -s "$tmp/want.txt" "$tmp/got.txt"; then ok; else fail "mpirun quire-query --shards '$q' (exit $got, want $want)"; cat "$tmp/err.txt" >&2; fi
    fi
done
# the options beyond BM25 alone: a page further on, date orders, the rescorers; fuzzy words
# (and their notes), quotes with an ellipsis (and the hint when nothing matches)
n_opts=0
while IFS='|' read -r opts q; do
    # shellcheck disable=SC2086 # the options are words
    "$bin/quire-query" --color never --exact-count $opts "$tmp/one" "$q" > "$tmp/want.txt" 2> "$tmp/want.err"; want=$?
    # shellcheck disable=SC2086
    "$bin/quire-query" --color never --exact-count $opts --shards "$tmp/s4" "$q" > "$tmp/got.txt" 2> "$tmp/got.err"; got=$?
    # stdout and stderr (notes, hints, refusals) alike
    if [ $want = $got ] && cmp -s "$tmp/want.txt" "$tmp/got.txt" && cmp -s "$tmp/want.err" "$tmp/got.err"; then ok; else fail "quire-query $opts --shards '$q' (exit $got, want $want)"; fi
    if [ $mpi = 1 ]; then # (mpirun reads stdin: not the list)
        # shellcheck disable=SC2086
        mpirun_ -n 4 "$bin/quire-query" --color never --exact-count $opts --shards "$tmp/m4" "$q" > "$tmp/got.txt" 2>"$tmp/err.txt" < /dev/null; got=$?
        if [ $want = $got ] && cmp -s "$tmp/want.txt" "$tmp/got.txt"; then ok; else fail "mpirun quire-query $opts --shards '$q' (exit $got, want $want)"; cat "$tmp/err.txt" >&2; fi
    fi
    n_opts=$((n_opts + 1))
done <<'EOF_OPTS'
--offset 10 -k 5|oil prices
--offset 100000|oil
--sort date -k 15|coffee OR cocoa
--sort -date --offset 4|"crude oil"
--any|opek~ prices petrolium~2
--offset 3|pric~ -oil~
|"opec ... zzzzunknown"
--sort date|"crude oil ... prices"
--sort date --format trec|title:wheat
--proximity|oil prices opec
--title-weight 3 --offset 2|gold mine
--proximity --title-weight 0.5 -k 20 --any|interest rates bank
--sort date --proximity|oil
EOF_OPTS
[ "$n_opts" = 13 ] && ok || fail "ran $n_opts of the 13 option checks"
grep -v '^#' "$queries" | head -n 100 > "$tmp/batch.tsv"
"$bin/quire-query" --batch "$tmp/batch.tsv" "$tmp/one" > "$tmp/want.trec"
"$bin/quire-query" --batch "$tmp/batch.tsv" --shards "$tmp/s4" > "$tmp/got.trec"
cmp -s "$tmp/want.trec" "$tmp/got.trec" && ok || fail "--batch --shards (one process) differs"
if [ $mpi = 1 ]; then
    mpirun_ -n 2 "$bin/quire-query" --batch "$tmp/batch.tsv" --shards "$tmp/m2" > "$tmp/got.trec"
    cmp -s "$tmp/want.trec" "$tmp/got.trec" && ok || fail "mpirun --batch --shards differs"
fi

# ---- refusals, naming the shard
"$bin/quire-query" --shards "$tmp/one" oil > /dev/null 2> "$tmp/err.txt"
[ $? = 2 ] && grep -q "not a shard set" "$tmp/err.txt" && ok || fail "an index that is no shard set was not refused: $(cat "$tmp/err.txt")"
cp -r "$tmp/s4" "$tmp/bad"
rm -rf "$tmp/bad/shard-2"
"$bin/quire-query" --shards "$tmp/bad" oil > /dev/null 2> "$tmp/err.txt"
[ $? = 2 ] && grep -q "shard 2" "$tmp/err.txt" && ok || fail "a missing shard was not named: $(cat "$tmp/err.txt")"
index --language french "$tmp/bad/shard-2" "$tmp/batch.tsv" 2>/dev/null
printf '{"id": "x", "text": "oil"}\n' > "$tmp/x.jsonl"
index --language french "$tmp/bad/shard-2" "$tmp/x.jsonl"
"$bin/quire-query" --shards "$tmp/bad" oil > /dev/null 2> "$tmp/err.txt"
[ $? = 2 ] && grep -q "shard 2.*analyzer" "$tmp/err.txt" && ok || fail "a shard of another analyzer was not named: $(cat "$tmp/err.txt")"
index --shards --shard-count 3 "$tmp/s4" "$tmp/x.jsonl" 2> "$tmp/err.txt"
[ $? = 1 ] && grep -q "has 4 shards, not 3" "$tmp/err.txt" && ok || fail "another shard count was not refused: $(cat "$tmp/err.txt")"

# ---- a nightly update: a tenth of the articles new, every 29th of the base replaced, every
# 47th deleted by id (300 at most)
base=$((docs * 7 / 10))
head -n $base "$tmp/reuters.jsonl" > "$tmp/base.jsonl"
sed -n "$((base + 1)),$((base + docs / 10))p" "$tmp/reuters.jsonl" > "$tmp/night.jsonl"
# replacements: every 29th base article with another text
awk 'NR % 29 == 0' "$tmp/base.jsonl" |
    sed 's/"text": "/"text": "Revised tonight, new crude oil figures. /' >> "$tmp/night.jsonl"
# deletions: every 47th id of the base that is not replaced
awk 'NR % 47 == 0 && NR % 29 != 0' "$tmp/base.jsonl" | sed 's/^{"id": "\([^"]*\)".*/\1/' | head -n 300 > "$tmp/gone.txt"
# the fresh index: what is left of the base, then the night's articles
sed 's/^{"id": "\([^"]*\)".*/\1/' "$tmp/night.jsonl" | cat - "$tmp/gone.txt" | sort -u > "$tmp/drop.txt"
awk 'NR == FNR { drop["\"" $0 "\""] = 1; next } { split($0, a, ","); sub(/^\{"id": /, "", a[1]); if (!(a[1] in drop)) print }' \
    "$tmp/drop.txt" "$tmp/base.jsonl" > "$tmp/fresh.jsonl"
cat "$tmp/night.jsonl" >> "$tmp/fresh.jsonl"
index "$tmp/fresh" "$tmp/fresh.jsonl" || fail "fresh index"
index --shards --shard-count 4 --chunk 1M "$tmp/n4" "$tmp/base.jsonl" || fail "nightly base, one process"
index --shards --delete-from "$tmp/gone.txt" --chunk 1M "$tmp/n4" "$tmp/night.jsonl" || fail "nightly update, one process"
check "nightly, 4 shards, one process" "$bin/tests/shard_check" "$tmp/n4" "$tmp/fresh" "$queries" $random $one_stride
if [ $mpi = 1 ]; then
    mpirun_ -n 2 "$bin/quire-index" --quiet --shards --chunk 1M "$tmp/n2" "$tmp/base.jsonl" || fail "nightly base, 2 ranks"
    mpirun_ -n 2 "$bin/quire-index" --quiet --shards --delete-from "$tmp/gone.txt" --chunk 1M "$tmp/n2" "$tmp/night.jsonl" ||
        fail "nightly update, 2 ranks"
    check "nightly, mpirun -n 2" mpirun_ -n 2 "$bin/tests/shard_check" "$tmp/n2" "$tmp/fresh" "$queries" $((random / 2)) $mpi_stride
fi

# ---- a run that fails on one shard names it and commits no shard
if [ $mpi = 1 ]; then
    cp -r "$tmp/m2" "$tmp/f2"
    gens_of() { for s in 0 1; do "$bin/quire-index" --stats "$1/shard-$s" | awk '/^index/ {print $4}'; done | tr '\n' ' '; }
    before=$(gens_of "$tmp/f2")
    # Another writer holds shard 1's lock until the run is over (not for a fixed time: a
    # loaded machine may take seconds to start mpirun).
    mkfifo "$tmp/release"
    flock "$tmp/f2/shard-1/LOCK" sh -c 'read -r _ < "$0"' "$tmp/release" & holder=$!
    while flock -n "$tmp/f2/shard-1/LOCK" true; do sleep 0.05; done # until it is held
    mpirun_ -n 2 "$bin/quire-index" --quiet --shards "$tmp/f2" "$tmp/night.jsonl" > /dev/null 2> "$tmp/err.txt"; rc=$?
    echo > "$tmp/release"
    wait "$holder"
    [ $rc != 0 ] && grep -q "shard 1:.*lock" "$tmp/err.txt" && grep -q "every shard of .* keeps its last commit" "$tmp/err.txt" && ok ||
        fail "a failed shard was not named (exit $rc): $(head -n 3 "$tmp/err.txt")"
    [ "$(gens_of "$tmp/f2")" = "$before" ] && ok || fail "a shard committed although shard 1 failed: $before -> $(gens_of "$tmp/f2")"
    mpirun_ -n 2 "$bin/quire-index" --quiet --shards "$tmp/f2" "$tmp/night.jsonl" && ok || fail "the run after the failure"
fi

# ---- a rank killed in the middle of an update
if [ $mpi = 1 ]; then
    # A long update: the whole collection again under other ids, with little memory, so
    # that each rank flushes segments for a while before the vote.
    zcat "$corpus" | sed 's/^{"id": "/{"id": "again-/' > "$tmp/again.jsonl" # all of it, in both trees
    cp -r "$tmp/m2" "$tmp/k2"
    gens() { for s in 0 1; do "$bin/quire-index" --stats "$tmp/k2/shard-$s" | awk '/^index/ {print $4} /^documents/ {print $2}'; done | tr '\n' ' '; }
    before=$(gens)
    mpirun_ -n 2 "$bin/quire-index" --quiet --shards --memory 8M --threads 1 --chunk 1M "$tmp/k2" "$tmp/again.jsonl" \
        > "$tmp/kill.out" 2>&1 &
    runner=$!
    victim=
    children() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '; }
    for _ in $(seq 1 200); do # rank 1 among the children of mpirun (a child of $runner)
        for m in $(children "$runner"); do
            for p in $(children "$m"); do
                if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$p; fi
            done
        done
        [ -n "$victim" ] && break
        sleep 0.05
    done
    # wait until rank 1 has written a segment of this run, then kill it
    for _ in $(seq 1 400); do
        ls "$tmp/k2/shard-1" | grep -q 'seg-00000003' && break
        sleep 0.025
    done
    files=$(ls "$tmp/k2/shard-1" | grep -c '^seg-')
    if [ -n "$victim" ]; then kill -9 "$victim"; else fail "rank 1 not found"; fi
    wait "$runner"; rc=$?
    echo "killed rank 1 (pid ${victim:-none}) with $files segment files in shard-1; mpirun exited $rc"
    [ $rc != 0 ] && ok || fail "the killed run exited 0"
    after=$(gens)
    [ "$before" = "$after" ] && ok || fail "shards moved after the kill: before '$before', after '$after'"
    for s in 0 1; do
        "$bin/quire-index" --verify "$tmp/k2/shard-$s" > /dev/null 2>&1 && ok || fail "shard $s does not verify after the kill"
    done
    check "after the kill, mpirun -n 2" mpirun_ -n 2 "$bin/tests/shard_check" "$tmp/k2" "$tmp/one" "$queries" $((random / 10)) $((mpi_stride * 2))
    mpirun_ -n 2 "$bin/quire-index" --quiet --shards --chunk 4M "$tmp/k2" "$tmp/again.jsonl" || fail "the run after the kill"
    cat "$tmp/reuters.jsonl" "$tmp/again.jsonl" > "$tmp/both.jsonl"
    index "$tmp/both" "$tmp/both.jsonl"
    check "the run after the kill completed, mpirun -n 2" mpirun_ -n 2 "$bin/tests/shard_check" "$tmp/k2" "$tmp/both" "$queries" $((random / 4)) $((mpi_stride * 2))
fi

echo "shards: $checks passed, $failures failed"
[ $failures = 0 ]
