#!/bin/bash
# sigkill_update.sh - SIGKILL during a nightly update (#4) leaves the last commit or the new
# one, never anything between. The "old" state is seven runs of 500 Reuters records each
# (seven segments, one deletion file). Two kinds of update are killed in turn, each
# QUIRE_SIGKILL_UPDATE_RUNS / 2 times (default 60 in all) at a moment spread over its normal
# run time: (a) a run that adds 500 records, replaces 150 older ones (same ids, new text) and
# deletes 60 ids with --delete-from: it writes deletion files, a new segment, and the merge
# policy merges the eight segments into one, dropping the deleted documents; (b) --delete
# of 40 ids with --optimize: deletion files and a merge of everything. After each kill:
# --verify passes; --stats and four queries (words, a phrase with counts, NOT) equal the old
# state's or the new one's; the next run succeeds and leaves no file that neither of the
# two kept commits needs (from the old state it redoes the update and must reach the new
# state exactly).
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
shared=${QUIRE_SHARED:-/work/shared}
corpus=$shared/corpora/reuters21578/corpus.jsonl.gz
runs=${QUIRE_SIGKILL_UPDATE_RUNS:-60}
tmp=$(mktemp -d /tmp/quire-sigkill-update-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -r "$corpus" ] || { echo "sigkill_update: SKIPPED: $corpus not readable"; exit 0; }
failures=0
fail() { echo "sigkill_update: FAIL: $*" >&2; failures=$((failures + 1)); }

zcat "$corpus" | head -n 4000 >"$tmp/all.jsonl"
idx=$tmp/idx
for k in 0 1 2 3 4 5 6; do
    sed -n "$((k * 500 + 1)),$((k * 500 + 500))p" "$tmp/all.jsonl" >"$tmp/part$k.jsonl"
    "$bin/quire-index" --quiet "$idx" "$tmp/part$k.jsonl" || { echo "base run $k failed" >&2; exit 1; }
done
# one deletion file in the old state already
sed -n '10p;20p;30p' "$tmp/part0.jsonl" | sed 's/.*"id": *"\([^"]*\)".*/\1/' >"$tmp/del0.txt"
"$bin/quire-index" --quiet --delete-from "$tmp/del0.txt" "$idx" || { echo "base delete failed" >&2; exit 1; }
cp -a "$idx" "$tmp/old"

# update (a): 500 new, 150 replaced (ids of part 1..3 with the text of other records), 60 deleted
sed -n '3501,4000p' "$tmp/all.jsonl" >"$tmp/upd.jsonl"
paste -d'\t' <(sed -n '501,650p' "$tmp/all.jsonl" | sed 's/.*"id": *"\([^"]*\)".*/\1/') \
    <(sed -n '3001,3150p' "$tmp/all.jsonl") |
    awk -F'\t' '{ sub(/"id": *"[^"]*"/, "\"id\": \"" $1 "\"", $2); print $2 }' >>"$tmp/upd.jsonl"
sed -n '1501,3000p' "$tmp/all.jsonl" | awk 'NR % 25 == 0' | sed 's/.*"id": *"\([^"]*\)".*/\1/' >"$tmp/del_a.txt"
sed -n '1,1500p' "$tmp/all.jsonl" | awk 'NR % 37 == 0' | sed 's/.*"id": *"\([^"]*\)".*/\1/' | head -40 >"$tmp/del_b.txt"
upd_a=("$bin/quire-index" --quiet --threads 2 --delete-from "$tmp/del_a.txt" "$idx" "$tmp/upd.jsonl")
upd_b=("$bin/quire-index" --quiet --delete-from "$tmp/del_b.txt" --optimize "$idx")

state() {
    {
        "$bin/quire-index" --stats "$idx"
        "$bin/quire-query" "$idx" oil prices
        "$bin/quire-query" --count "$idx" '"the company"'
        "$bin/quire-query" --any -k 30 "$idx" cocoa wheat sugar
        "$bin/quire-query" --count "$idx" 'bank -rate'
    } >"$1" 2>&1
}
now_ms() { date +%s%3N; }
seg_ids() { ls "$idx" | sed -n 's/^seg-\([0-9a-f]*\)\..*/\1/p' | sort -u; }
# only what the two kept commits can need: no .tmp, at most two manifests, seven files a
# segment, and no more segments than the two commits list
tidy() {
    local where=$1 segs prev
    ls "$idx" | grep -q '\.tmp$' && fail "$where: a .tmp file is left: $(ls "$idx" | tr '\n' ' ')"
    [ "$(ls "$idx" | grep -c '^manifest-')" -le 2 ] || fail "$where: more than two manifests"
    for s in $(seg_ids); do
        [ "$(ls "$idx"/seg-"$s".* | grep -vc '\.del-')" -eq 8 ] || fail "$where: segment $s has not 8 files (six, .ids and .rvd)"
    done
    segs=$("$bin/quire-index" --stats "$idx" | sed -n 's/.*generation [0-9]*, \([0-9]*\) segment.*/\1/p')
    [ "$(seg_ids | wc -l)" -le $((segs + 8)) ] || fail "$where: $(seg_ids | wc -l) segments on disk for $segs"
}

for kind in a b; do
    declare -n upd=upd_$kind
    times=()
    for k in 1 2 3; do
        rm -rf "$idx" && cp -a "$tmp/old" "$idx"
        t0=$(now_ms)
        "${upd[@]}" || { echo "sigkill_update: update $kind failed" >&2; exit 1; }
        times+=($(($(now_ms) - t0)))
    done
    run_ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
    eval "run_ms_$kind=$run_ms"
    state "$tmp/new_$kind.state"
    "$bin/quire-index" --verify "$idx" >/dev/null || { echo "sigkill_update: new state $kind does not verify" >&2; exit 1; }
done
rm -rf "$idx" && cp -a "$tmp/old" "$idx" && state "$tmp/old.state"
grep -q "1 segment)" "$tmp/new_b.state" || { echo "sigkill_update: optimize left more than one segment" >&2; exit 1; }
grep -q "generation 9, 1 segment" "$tmp/new_a.state" || { echo "sigkill_update: update (a) did not merge: $(head -1 "$tmp/new_a.state")" >&2; exit 1; }

printf '{"id": "extra", "title": "Extra", "text": "one more document about oil"}\n' >"$tmp/extra.jsonl"
n_old=0 n_new=0
for ((i = 0; i < runs; i++)); do
    kind=$([ $((i % 2)) -eq 0 ] && echo a || echo b)
    declare -n upd=upd_$kind
    eval "run_ms=\$run_ms_$kind"
    rm -rf "$idx" && cp -a "$tmp/old" "$idx"
    per_kind=$(((runs + 1) / 2)) k=$((i / 2))
    span=$((run_ms * 11 / 10))
    delay_ms=$(((k * span + RANDOM % (span > 0 ? span : 1)) / per_kind))
    "${upd[@]}" >"$tmp/run.log" 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    status=$?
    where="run $i (update $kind, kill at $delay_ms ms of $run_ms, exit $status)"
    if ! "$bin/quire-index" --verify "$idx" >"$tmp/verify.log" 2>&1; then
        fail "$where: --verify: $(cat "$tmp/verify.log")"
        continue
    fi
    state "$tmp/got.state"
    if cmp -s "$tmp/got.state" "$tmp/old.state"; then
        n_old=$((n_old + 1))
        if ! "${upd[@]}" >"$tmp/rerun.log" 2>&1; then
            fail "$where: the next run failed: $(cat "$tmp/rerun.log")"
            continue
        fi
        state "$tmp/got.state"
        cmp -s "$tmp/got.state" "$tmp/new_$kind.state" ||
            fail "$where: the next run did not reach the new state:"$'\n'"$(diff "$tmp/new_$kind.state" "$tmp/got.state" | head)"
    elif cmp -s "$tmp/got.state" "$tmp/new_$kind.state"; then
        n_new=$((n_new + 1))
        "$bin/quire-index" --quiet "$idx" "$tmp/extra.jsonl" >"$tmp/rerun.log" 2>&1 ||
            fail "$where: the next run failed: $(cat "$tmp/rerun.log")"
    else
        fail "$where: neither the old nor the new commit:"$'\n'"$(diff "$tmp/old.state" "$tmp/got.state" | head -20)"
        continue
    fi
    "$bin/quire-index" --verify "$idx" >/dev/null 2>&1 || fail "$where: --verify after the next run"
    tidy "$where"
done
echo "sigkill_update: $runs kills (update a ${run_ms_a} ms, b ${run_ms_b} ms): $n_old left the old commit, $n_new the new one"
[ "$failures" -eq 0 ] || exit 1
echo "sigkill_update: ok"
