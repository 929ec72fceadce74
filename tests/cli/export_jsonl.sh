#!/usr/bin/env bash
# quire-index --export-jsonl: the documents of plain-text files, a TREC file and a JSON Lines
# file written as JSON Lines, read back by quire-index, must give the same index: same
# documents, same answers (counts, ids, scores) to a set of queries as the originals.
set -uo pipefail
bin=${QUIRE_BINARY_DIR:?run through ctest}
src=${QUIRE_SOURCE_DIR:?run through ctest}
tmp=$(mktemp -d /tmp/quire-export-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "export_jsonl: FAIL: $*" >&2; failures=$((failures + 1)); }

inputs=("$src"/tests/data/00?_*.txt "$src/tests/data/inputs/sample.trec" "$src/tests/data/inputs/docs.jsonl")
# the fixtures hold broken items, skipped: exit 3 as an indexing run would
"$bin/quire-index" --export-jsonl "${inputs[@]}" >"$tmp/all.jsonl" 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] || fail "export: exit $rc, want 3 (items skipped): $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/all.jsonl")" -ge 7 ] || fail "too few lines: $(wc -l <"$tmp/all.jsonl")"
grep -qv '^{"id":"[^"]*","title":".*","text":".*"}$' "$tmp/all.jsonl" &&
    grep -v '"date":"[0-9-]*"' "$tmp/all.jsonl" | grep -qv '^{"id":' &&
    fail "malformed line"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/all.jsonl" ||
        fail "not JSON"
fi
grep -q '"date":"2022-12-30"' "$tmp/all.jsonl" || fail "the sample's dates are lost"
# the fixtures' broken items are skipped with warnings naming file and line
grep -q 'docs.jsonl:5: unterminated string' "$tmp/err" || fail "no warning for docs.jsonl:5: $(cat "$tmp/err")"

"$bin/quire-index" --quiet "$tmp/a" "${inputs[@]}" 2>/dev/null
[ $? -eq 3 ] || fail "indexing the originals: not exit 3 (broken items skipped)"
"$bin/quire-index" --quiet "$tmp/b" "$tmp/all.jsonl" 2>/dev/null || fail "indexing the export"
for q in putin 'uzbekistan OR oil' '"no limits"' '"We are expecting you, dear Mr Chairman"' \
    'date:2022-12-30..2022-12-31' 'title:putin' 'expect*'; do
    a=$("$bin/quire-query" --format trec -k 100 "$tmp/a" "$q")
    b=$("$bin/quire-query" --format trec -k 100 "$tmp/b" "$q")
    [ "$a" = "$b" ] || fail "query $q differs: $a / $b"
    a=$("$bin/quire-query" --count "$tmp/a" "$q")
    b=$("$bin/quire-query" --count "$tmp/b" "$q")
    [ "$a" = "$b" ] || fail "count of $q differs: $a / $b"
done
# a missing input is an error naming it, as when indexing (exit 1) ...
"$bin/quire-index" --export-jsonl "$tmp/missing" >"$tmp/none.jsonl" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "missing input: exit $rc, want 1"
grep -q "input $tmp/missing: no such file or directory" "$tmp/err" ||
    fail "no message naming the missing input: $(cat "$tmp/err")"
[ ! -s "$tmp/none.jsonl" ] || fail "output for a missing input"
# ... and with --allow-missing a warning naming it, the rest exported, exit 3
"$bin/quire-index" --allow-missing --export-jsonl "$tmp/missing" "$src/tests/data/000_9f4ac158bb6fb716.txt" \
    >"$tmp/one.jsonl" 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] || fail "--allow-missing: exit $rc, want 3"
grep -q "$tmp/missing" "$tmp/err" || fail "--allow-missing: no warning naming it: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/one.jsonl")" -eq 1 ] || fail "--allow-missing: not one document exported"
[ "$failures" -eq 0 ] || exit 1
echo "export_jsonl: ok"
