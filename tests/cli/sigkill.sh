#!/bin/bash
# sigkill.sh - killing quire-index with SIGKILL at any moment leaves the previous commit
# fully readable. A first commit (2000 Reuters records) is the "old" state; a run adding
# 4000 more with a small --memory (it flushes several segments, merges them, commits) gives
# the "new" state. The adding run is then started QUIRE_SIGKILL_RUNS times (default 40)
# from the old state and killed with kill -9 at a moment spread over its normal run time
# (four kinds in turn: over the whole run, over its last 30%, in the merge, at the commit;
# see below), so kills land in reading, flushes, the merge, the commit and the cleanup
# after it. The phases hit are counted from the files each kill left and printed. After each
# kill: --verify passes; --stats and three queries equal the old state's or the new one's,
# nothing else; the next run succeeds (from the old state, half the time the same adding
# run, which must rebuild the new state byte for byte; otherwise a one-document run) and
# leaves no segment or manifest files no commit needs.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
shared=${QUIRE_SHARED:-/work/shared}
corpus=$shared/corpora/reuters21578/corpus.jsonl.gz
runs=${QUIRE_SIGKILL_RUNS:-40}
tmp=$(mktemp -d /tmp/quire-sigkill-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -r "$corpus" ] || { echo "sigkill: SKIPPED: $corpus not readable"; exit 0; }
[ -x "$bin/quire-index" ] && [ -x "$bin/quire-query" ] || {
    echo "sigkill: quire-index or quire-query not built in $bin" >&2
    exit 1
}

failures=0
fail() { echo "sigkill: FAIL: $*" >&2; failures=$((failures + 1)); }

zcat "$corpus" | head -n 6000 >"$tmp/all.jsonl"
head -n 2000 "$tmp/all.jsonl" >"$tmp/base.jsonl"
tail -n +2001 "$tmp/all.jsonl" >"$tmp/add.jsonl"
[ "$(wc -l <"$tmp/add.jsonl")" -eq 4000 ] || { echo "sigkill: corpus too short" >&2; exit 1; }

idx=$tmp/idx # every state lives at this path, so --stats output is comparable
add=("$bin/quire-index" --quiet --threads 2 --memory 2M "$idx" "$tmp/add.jsonl")

# state FILE: what a reader sees: stats and three queries' output.
state() {
    {
        "$bin/quire-index" --stats "$idx"
        "$bin/quire-query" "$idx" oil prices
        "$bin/quire-query" --any "$idx" cocoa wheat sugar
        "$bin/quire-query" --format trec -k 50 "$idx" bank rate
    } >"$1" 2>&1
}
# files FILE: name and checksum of every file but LOCK.
files() { (cd "$idx" && ls | grep -v '^LOCK$' | xargs md5sum) >"$1"; }
# seg_ids: the distinct segment ids present.
seg_ids() { ls "$idx" | sed -n 's/^seg-\([0-9a-f]*\)\..*/\1/p' | sort -u; }
now_ms() { date +%s%3N; }

"$bin/quire-index" --quiet "$idx" "$tmp/base.jsonl" || { echo "sigkill: base run failed" >&2; exit 1; }
cp -a "$idx" "$tmp/old"
state "$tmp/old.state"
base_ids=$(seg_ids | tr '\n' ' ')

# Normal run time: the median of three runs from the old state.
times=()
for k in 1 2 3; do
    rm -rf "$idx" && cp -a "$tmp/old" "$idx"
    t0=$(now_ms)
    "${add[@]}" || { echo "sigkill: the adding run failed" >&2; exit 1; }
    times+=($(($(now_ms) - t0)))
done
run_ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
state "$tmp/new.state"
files "$tmp/new.files"
cmp -s "$tmp/old.state" "$tmp/new.state" && { echo "sigkill: old and new states are equal" >&2; exit 1; }
new_id=$(seg_ids | grep -vxF -f <(printf '%s\n' $base_ids))
[ -n "$new_id" ] || { echo "sigkill: no new segment in the new state" >&2; exit 1; }
"$bin/quire-index" --verify "$idx" >/dev/null || { echo "sigkill: new state does not verify" >&2; exit 1; }

# extra_run GEN: the next run (one more document) succeeds, commits generation GEN, and
# leaves the files of its commit's segments only (the previous commit's are a subset).
printf '{"id": "extra", "title": "Extra", "text": "one more document about oil"}\n' >"$tmp/extra.jsonl"
extra_run() {
    if ! "$bin/quire-index" --quiet "$idx" "$tmp/extra.jsonl" >"$tmp/rerun.log" 2>&1; then
        fail "$where: the next run failed: $(cat "$tmp/rerun.log")"
        return 1
    fi
    local segs
    segs=$("$bin/quire-index" --stats "$idx" | sed -n "s/.*generation $1, \([0-9]*\) segment.*/\1/p")
    [ "$segs" = "$(seg_ids | wc -l)" ] ||
        fail "$where: after the next run: ${segs:-?} segments in generation $1, files of $(seg_ids | wc -l): $(ls "$idx" | tr '\n' ' ')"
}

declare -A phase_count
n_old=0 n_new=0
for ((i = 0; i < runs; i++)); do
    rm -rf "$idx" && cp -a "$tmp/old" "$idx"
    # Four kinds of kill, in turn: after a delay spread over 0 .. 1.1 x the run time; over
    # its last 30%; 0-100 ms after the merged segment's files appear; the moment the new
    # manifest appears (its .tmp, or for every other run the renamed file). Delays are stratified over the runs
    # of a kind, so early, mid and late kills all happen.
    kind=$((i % 4)) per_kind=$(((runs + 3) / 4)) k=$((i / 4))
    case $kind in
    0) lo=0 span=$((run_ms * 11 / 10)) ;;
    1) lo=$((run_ms * 8 / 10)) span=$((run_ms * 3 / 10)) ;;
    *) lo=0 span=100 ;;
    esac
    delay_ms=$((lo + (k * span + RANDOM % (span > 0 ? span : 1)) / per_kind))
    sleep_s=$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))
    "${add[@]}" >"$tmp/run.log" 2>&1 &
    pid=$!
    case $kind in
    0 | 1) sleep "$sleep_s" ;;
    2)
        while kill -0 "$pid" 2>/dev/null && [ ! -e "$idx/seg-$new_id.ter" ]; do sleep 0.002; done
        sleep "$sleep_s"
        ;;
    3)
        # every other one waits for the rename: a kill during the cleanup after it
        m=$idx/manifest-0000000000000002 t=$idx/manifest-0000000000000002.tmp
        ((k % 2)) && t=$m
        while kill -0 "$pid" 2>/dev/null && [ ! -e "$t" ] && [ ! -e "$m" ]; do :; done
        delay_ms=trigger
        ;;
    esac
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    status=$?

    # Where the kill landed, from the files it left.
    if [ "$status" -eq 0 ]; then
        phase="finished"
    elif ls "$idx" | grep -q '^manifest-0*2$'; then
        phase="after-rename"
    elif ls "$idx" | grep -q '^manifest-.*\.tmp$'; then
        phase="commit"
    elif ls "$idx" | grep -q "^seg-$new_id\."; then
        phase="merge"
    elif [ -n "$(seg_ids | grep -vxF -f <(printf '%s\n' $base_ids))" ]; then
        phase="flush-$(seg_ids | grep -vxF -f <(printf '%s\n' $base_ids) | wc -l)"
    else
        phase="read-analyse"
    fi
    phase_count[$phase]=$((${phase_count[$phase]:-0} + 1))
    where="run $i (kill at ${delay_ms} ms of ${run_ms}, $phase, exit $status)"

    if ! "$bin/quire-index" --verify "$idx" >"$tmp/verify.log" 2>&1; then
        fail "$where: --verify: $(cat "$tmp/verify.log")"
        cp -a "$idx" "$tmp/../quire-sigkill-failed-$i" 2>/dev/null
        continue
    fi
    state "$tmp/got.state"
    if cmp -s "$tmp/got.state" "$tmp/old.state"; then
        n_old=$((n_old + 1))
        if ((i % 4 < 2)); then
            # The next run rebuilds the new state exactly, leftovers of the killed run gone.
            if ! "${add[@]}" >"$tmp/rerun.log" 2>&1; then
                fail "$where: the next run failed: $(cat "$tmp/rerun.log")"
                continue
            fi
            files "$tmp/got.files"
            cmp -s "$tmp/got.files" "$tmp/new.files" ||
                fail "$where: after the next run the files differ from a clean run's:"$'\n'"$(diff "$tmp/new.files" "$tmp/got.files")"
        else
            extra_run 2 || continue
        fi
    elif cmp -s "$tmp/got.state" "$tmp/new.state"; then
        n_new=$((n_new + 1))
        extra_run 3 || continue
    else
        fail "$where: the index is neither the old nor the new commit:"$'\n'"$(diff "$tmp/old.state" "$tmp/got.state" | head -20)"
        continue
    fi
    "$bin/quire-index" --verify "$idx" >/dev/null 2>&1 || fail "$where: --verify after the next run"
    for s in $(seg_ids); do
        [ "$(ls "$idx"/seg-"$s".* | wc -l)" -eq 8 ] || fail "$where: segment $s has not 8 files (six, .ids and .rvd)"
    done
    ls "$idx" | grep -q '\.tmp$' && fail "$where: a .tmp file is left: $(ls "$idx" | tr '\n' ' ')"
    [ "$(ls "$idx" | grep -c '^manifest-')" -le 2 ] || fail "$where: more than two manifests"
done

summary=""
for p in $(printf '%s\n' "${!phase_count[@]}" | sort); do
    summary+="$p ${phase_count[$p]}, "
done
echo "sigkill: $runs kills over a ${run_ms} ms run: ${summary%, }; $n_old left the old commit, $n_new the new one"
[ "$failures" -eq 0 ] || exit 1
echo "sigkill: ok"
