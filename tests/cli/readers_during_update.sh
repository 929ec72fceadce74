#!/bin/bash
# readers_during_update.sh - readers while a nightly update runs (#4): quire-query started
# again and again while an update adds, replaces, deletes and merges eight segments into
# one always answers with the last commit or the new one, never an error or a mix; and a
# reader that opened the index before the update keeps its snapshot, answering as before
# even after two more commits have removed the files it opened.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
shared=${QUIRE_SHARED:-/work/shared}
corpus=$shared/corpora/reuters21578/corpus.jsonl.gz
tmp=$(mktemp -d /tmp/quire-readers-XXXXXX)
reader_pid=""
cleanup() {
    [ -n "$reader_pid" ] && kill "$reader_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

[ -r "$corpus" ] || { echo "readers_during_update: SKIPPED: $corpus not readable"; exit 0; }
failures=0
fail() { echo "readers_during_update: FAIL: $*" >&2; failures=$((failures + 1)); }

zcat "$corpus" | head -n 4000 >"$tmp/all.jsonl"
idx=$tmp/idx
for k in 0 1 2 3 4 5 6; do
    sed -n "$((k * 500 + 1)),$((k * 500 + 500))p" "$tmp/all.jsonl" >"$tmp/part$k.jsonl"
    "$bin/quire-index" --quiet "$idx" "$tmp/part$k.jsonl" || { echo "base run $k failed" >&2; exit 1; }
done
sed -n '3501,4000p' "$tmp/all.jsonl" >"$tmp/upd.jsonl"
# replacements: the ids of oil stories of the first part, with other text
grep -i '"text": "[^"]*oil' "$tmp/part0.jsonl" | head -40 | sed 's/.*"id": *"\([^"]*\)".*/\1/' >"$tmp/repl_ids"
while read -r id; do
    printf '{"id": "%s", "title": "replaced", "text": "nothing about fuel here"}\n' "$id"
done <"$tmp/repl_ids" >>"$tmp/upd.jsonl"
sed -n '501,1500p' "$tmp/all.jsonl" | grep -i 'prices' | head -60 | sed 's/.*"id": *"\([^"]*\)".*/\1/' >"$tmp/del_ids"
update=("$bin/quire-index" --quiet --delete-from "$tmp/del_ids" "$idx" "$tmp/upd.jsonl")
answer() { "$bin/quire-query" --format trec -k 10 "$idx" oil prices 2>&1; echo "exit $?"; }

old=$(answer)
cp -a "$idx" "$tmp/old"
"${update[@]}" || { echo "update failed" >&2; exit 1; }
new=$(answer)
grep -q "generation 8, 1 segment" <("$bin/quire-index" --stats "$idx") ||
    { echo "readers_during_update: the update did not merge into one segment" >&2; exit 1; }
[ "$old" != "$new" ] || { echo "readers_during_update: old and new answers are equal" >&2; exit 1; }
rm -rf "$idx" && cp -a "$tmp/old" "$idx"

# a reader holding the old snapshot across three commits
mkfifo "$tmp/queries"
"$bin/quire-query" --format trec -k 10 --batch - "$idx" <"$tmp/queries" >"$tmp/held.out" 2>&1 &
reader_pid=$!
exec 3>"$tmp/queries"
printf '1\toil prices\n' >&3

# short readers during the update
"${update[@]}" &
upd_pid=$!
n_old=0 n_new=0 n=0
while kill -0 "$upd_pid" 2>/dev/null || [ "$n" -lt 5 ]; do
    got=$(answer)
    n=$((n + 1))
    if [ "$got" = "$old" ]; then
        n_old=$((n_old + 1))
    elif [ "$got" = "$new" ]; then
        n_new=$((n_new + 1))
    else
        fail "reader $n got neither answer:"$'\n'"$(diff <(echo "$old") <(echo "$got") | head)"
    fi
done
wait "$upd_pid" || fail "the update failed"
[ "$(answer)" = "$new" ] || fail "after the update the answer is not the new one"
printf '{"id": "x1", "text": "one"}\n' >"$tmp/x1.jsonl"
printf '{"id": "x2", "text": "two"}\n' >"$tmp/x2.jsonl"
"$bin/quire-index" --quiet "$idx" "$tmp/x1.jsonl" || fail "second commit"
"$bin/quire-index" --quiet "$idx" "$tmp/x2.jsonl" || fail "third commit"
ls "$idx" | grep -q "^seg-00000001\." && fail "the old segments are still there: $(ls "$idx" | tr '\n' ' ')"
printf '2\toil prices\n' >&3
exec 3>&-
wait "$reader_pid"
reader_pid=""
held1=$(sed -n 's/^1 /X /p' "$tmp/held.out")
held2=$(sed -n 's/^2 /X /p' "$tmp/held.out")
[ -n "$held1" ] && [ "$held1" = "$held2" ] ||
    fail "the held reader's answers differ:"$'\n'"$(diff <(echo "$held1") <(echo "$held2") | head)"
[ "$held1" = "$(echo "$old" | grep -v '^exit' | sed 's/^1 /X /')" ] || fail "the held reader did not answer from the old snapshot"
echo "readers_during_update: $n readers during the update: $n_old saw the old commit, $n_new the new one; a held reader kept its snapshot"
[ "$failures" -eq 0 ] || exit 1
echo "readers_during_update: ok"
