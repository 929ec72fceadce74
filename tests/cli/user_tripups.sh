#!/bin/bash
# user_tripups.sh - what issue #10 found new users tripping over, on the sample corpus:
# quotes with an ellipsis (found, highlighted as their parts, a hint when nothing
# matches), --sort date|-date and --offset (ranks, the JSON line about the query), --show
# (text and JSON), JSON positions in the source file (checked against the file's bytes),
# cp1252 input read as such (auto) or not (--encoding utf-8), --version of both programs,
# short usage on a missing argument, "no such index", and --verify's first problem per
# file with a count of the rest.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set (run through ctest)}
data=$src/tests/data
tmp=$(mktemp -d /tmp/quire-tripups-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "user_tripups: FAIL: $*" >&2; failures=$((failures + 1)); }

shopt -s nullglob
articles=("$data"/00[0-4]_*.txt)
[ ${#articles[@]} -eq 5 ] || { echo "user_tripups: no sample articles in $data" >&2; exit 1; }

# q EXPECTED_STATUS ARGS... : run quire-query, stdout in $out, stderr in $err.
q() {
    local want=$1
    shift
    out=$("$bin/quire-query" "$@" 2>"$tmp/err")
    local got=$?
    err=$(cat "$tmp/err")
    [ "$got" -eq "$want" ] || fail "quire-query $*: exit $got, want $want:"$'\n'"$out"$'\n'"$err"
}
# the article numbers of the hits, in rank order
nums() { printf '%s\n' "$out" | sed -n 's/^[0-9]*\. .*\/\(00[0-4]\)_[0-9a-f]*\.txt  .*/\1/p' | tr '\n' ' '; }

idx=$tmp/idx
"$bin/quire-index" --quiet "$idx" "${articles[@]}" || { echo "user_tripups: indexing failed" >&2; exit 1; }
a003=$data/003_b377222dc834d2b2.txt

# ---- a quote with an ellipsis: each part exact, in order, within 32 words
q 0 --color never "$idx" '"We are expecting you … we are expecting you next spring"'
[ "$(nums)" = "003 000 " ] || fail "ellipsis quote: hits '$(nums)', want '003 000 '"
printf '%s\n' "$out" | grep -qF '"[[We are expecting you]], dear Mr Chairman, dear friend, [[we are expecting you next spring]] on a state visit' ||
    fail "ellipsis quote: not highlighted as its two parts:"$'\n'"$out"
q 0 "$idx" '"We are expecting you ... next spring"'
q 1 "$idx" '"We are expecting you … next winter"'
printf '%s\n' "$err" | grep -qF 'quire-query: hint: no document holds the parts in this order within 32 words of each other; alone, "we are expecting you" is in 2 documents, "next winter" is in 0 documents' ||
    fail "no hint for an ellipsis quote that matches nothing: '$err'"
q 0 --count "$idx" '"We are expecting you … next spring"'
[ "$out" = "2 matching documents, 2 occurrences" ] || fail "ellipsis --count: '$out'"

# ---- --sort date (oldest first), -date (newest first): 003 is of 2022-12-30, 002 of
# 2022-12-31, the others undated, last, by relevance
q 0 --passages 0 "$idx" putin
rel=$(nums)
q 0 --passages 0 --sort date "$idx" putin
[ "$(nums)" = "003 002 $(printf '%s' "$rel" | sed 's/00[23] //g')" ] || fail "--sort date: '$(nums)' (relevance '$rel')"
q 0 --passages 0 --sort -date "$idx" putin
[ "$(nums)" = "002 003 $(printf '%s' "$rel" | sed 's/00[23] //g')" ] || fail "--sort -date: '$(nums)'"
q 2 --sort newest "$idx" putin
printf '%s\n' "$err" | grep -q -- "--sort: expected relevance, date or -date" || fail "bad --sort: '$err'"
# ---- --offset: the next page, its ranks numbered on
q 0 --passages 0 -k 2 --offset 2 "$idx" putin
[ "$(nums)" = "$(printf '%s' "$rel" | cut -d' ' -f3-4) " ] || fail "--offset 2: '$(nums)', relevance '$rel'"
printf '%s\n' "$out" | grep -q '^3\. ' || fail "--offset 2: the first rank is not 3: $out"
printf '%s\n' "$out" | tail -n 1 | grep -qx '5 matching documents (from hit 3)' || fail "--offset: last line: $out"
q 0 --format json -k 2 --offset 2 --passages 0 --sort -date "$idx" putin
printf '%s\n' "$out" | head -n 1 | grep -q '^{"rank":3,' || fail "json --offset: rank: $out"
[ "$(printf '%s\n' "$out" | tail -n 1)" = '{"query":"putin","matches":5,"matches_exact":true,"offset":2,"top":2,"hits":2,"sort":"-date"}' ] ||
    fail "json: the line about the query: $(printf '%s\n' "$out" | tail -n 1)"
# past the last hit: no hits, the count (and the exit status: documents matched) kept
q 0 --passages 0 --offset 10 "$idx" putin
[ "$out" = "5 matching documents (from hit 11)" ] || fail "--offset past the end: $out"

# ---- JSON positions in the source file: the bytes at each highlight's offsets are the
# highlight's text, and line/column point at the same place
q 0 --format json -k 1 "$idx" '"we are expecting you next spring"'
hit=$(printf '%s\n' "$out" | head -n 1)
if command -v python3 >/dev/null; then
    printf '%s\n' "$hit" | python3 -c '
import json, sys
h = json.loads(sys.stdin.read())
raw = open(h["origin"], "rb").read()
lines = raw.decode("utf-8").split("\n")
assert h["source"]["line"] >= 1
for p in h["passages"]:
    text = p["text"].encode()
    for (s, e), src in zip(p["highlights"], p["source"]["highlights"]):
        want = text[s - p["start"]:e - p["start"]]
        assert raw[src["start"]:src["end"]] == want, (raw[src["start"]:src["end"]], want)
        line = lines[src["line"] - 1]
        assert line[src["column"] - 1:].encode().startswith(want), (line, src)
    assert raw[p["source"]["start"]:p["source"]["end"]] == text
print("ok")' >"$tmp/py" 2>&1 || fail "json source positions: $(cat "$tmp/py")"$'\n'"$hit"
fi
printf '%s\n' "$hit" | grep -qF '"source":{"line":1,"column":18,"offset":17}' ||
    fail "json: where 003's text starts (after \" date 2022-12-30 \"): $hit"

# a JSON Lines record: the line it starts on, no column, no offset
"$bin/quire-index" --quiet "$tmp/jl" "$data/inputs/docs.jsonl" 2>/dev/null
q 0 --format json "$tmp/jl" hello
printf '%s\n' "$out" | head -n 1 | grep -qF '"id":"a1",' || fail "jsonl: not a1: $out"
printf '%s\n' "$out" | head -n 1 | grep -qF ',"source":{"line":1,"column":null,"offset":null},' ||
    fail "jsonl: source: $out"
printf '%s\n' "$out" | head -n 1 | grep -qF '"highlights":[[0,5]]}]}' ||
    fail "jsonl: a record's passage has no source of its own: $out"
q 0 --format json "$tmp/jl" '"bad date kept"'
printf '%s\n' "$out" | head -n 1 | grep -qF '"source":{"line":7,' || fail "jsonl: line 7: $out"

# ---- --show: the stored document
q 0 --show "$a003" "$idx"
[ "$(printf '%s\n' "$out" | head -n 1)" = "id:     $a003" ] || fail "--show: id: $out"
printf '%s\n' "$out" | grep -qx "title:  Russian president Vladimir Putin said on Friday he was expecting Chinese President Xi Jinping to make a state visit to Russia in spring 2023…" ||
    fail "--show: title: $out"
printf '%s\n' "$out" | grep -qx "date:   2022-12-30" || fail "--show: date: $out"
printf '%s\n' "$out" | grep -qx "origin: $a003 (text from line 1, column 18, byte 17)" || fail "--show: origin: $out"
# the text after the header is the file's, from byte 17, trimmed
[ "$(printf '%s\n' "$out" | tail -n +6)" = "$(tail -c +18 "$a003" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')" ] ||
    fail "--show: the text is not the file's from byte 17"
q 0 --format json --show "$a003" "$idx"
printf '%s\n' "$out" | grep -q '^{"id":".*003_b377222dc834d2b2.txt","title":"Russian president.*","date":"2022-12-30","origin":".*","source":{"line":1,"column":18,"offset":17},"doc_id":[0-9]*,"tokens":[0-9]*,"title_tokens":[0-9]*,"text_bytes":[0-9]*,"text":"Russian president' ||
    fail "--show json: $out"
q 1 --show nosuch "$idx"
printf '%s\n' "$err" | grep -qF "no document with id 'nosuch'" || fail "--show nosuch: '$err'"
q 2 --show "$a003" "$idx" extra
printf '%s\n' "$err" | grep -q -- "--show takes INDEX only" || fail "--show with words: '$err'"

# ---- cp1252 input: read as cp1252 (a note), or as UTF-8 when told
cp=$data/inputs/cp1252.txt
"$bin/quire-index" --quiet "$tmp/cp" "$cp" 2>"$tmp/err" || fail "indexing the cp1252 file"
grep -qF "$cp: not UTF-8, read as cp1252" "$tmp/err" || fail "no note on the cp1252 file: $(cat "$tmp/err")"
q 0 --passages 0 "$tmp/cp" 'münchen'
printf '%s\n' "$out" | grep -qF 'Café crème' || fail "cp1252 title: $out"
q 0 "$tmp/cp" '"naïve résumés"'
"$bin/quire-index" --quiet --encoding utf-8 "$tmp/cp8" "$cp" 2>"$tmp/err" || fail "--encoding utf-8"
grep -qF "invalid UTF-8 sequences replaced by U+FFFD" "$tmp/err" || fail "--encoding utf-8: $(cat "$tmp/err")"
q 1 "$tmp/cp8" 'münchen'
"$bin/quire-index" --quiet --encoding latin2 "$tmp/cp9" "$cp" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- "--encoding latin2: expected auto, utf-8, latin1 or cp1252" "$tmp/err" ||
    fail "bad --encoding: $(cat "$tmp/err")"

# ---- --version, short usage, no such index
version=$(sed -n 's/^project(quire VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
q 0 --version
[ "$out" = "quire-query $version" ] || fail "quire-query --version: '$out', want $version"
out=$("$bin/quire-index" --version)
printf '%s\n' "$out" | grep -qx "quire-index $version (index format [0-9]*; reads formats 1 to [0-9]*)" ||
    fail "quire-index --version: '$out'"
q 2 "$idx"
[ "$(printf '%s\n' "$err" | head -n 1)" = "quire-query: missing query" ] || fail "missing query: '$err'"
[ "$(printf '%s\n' "$err" | wc -l)" -le 6 ] || fail "a missing query printed the whole help: '$err'"
printf '%s\n' "$err" | grep -q '^usage: quire-query' || fail "missing query: no usage line: '$err'"
q 2 "$tmp/no-such-index" putin
[ "$err" = "quire-query: no such index: $tmp/no-such-index" ] || fail "no such index: '$err'"
out=$("$bin/quire-index" --stats "$tmp/no-such-index" 2>&1)
[ "$out" = "quire-index: no such index: $tmp/no-such-index" ] || fail "--stats of no index: '$out'"
mkdir "$tmp/empty-dir"
q 2 "$tmp/empty-dir" putin
printf '%s\n' "$err" | grep -q "not an index (no manifest)" || fail "a folder that is no index: '$err'"

# ---- --verify: one flipped byte, the first problem of each damaged file and a count
cp -r "$idx" "$tmp/damaged"
pos=$(ls "$tmp/damaged"/seg-*.pos)
printf '\xff' | dd of="$pos" bs=1 seek=300 conv=notrunc status=none
out=$("$bin/quire-index" --verify "$tmp/damaged" 2>"$tmp/err")
[ $? -eq 1 ] || fail "--verify of a damaged index: not exit 1"
first=$(printf '%s\n' "$out" | head -n 1)
printf '%s\n' "$first" | grep -qF "$pos: checksum mismatch (file damaged)" || fail "--verify: first line: $out"
[ "$(printf '%s\n' "$out" | wc -l)" -le 2 ] || fail "--verify: more than the first problem and a count: $out"
all=$("$bin/quire-index" --verify-all "$tmp/damaged" 2>/dev/null | wc -l)
n=$(sed -n 's/.*index has \([0-9]*\) problems\{0,1\} in \([0-9]*\) place.*/\1/p' "$tmp/err")
[ -n "$n" ] && [ "$n" -eq "$all" ] || fail "--verify says $n problems, --verify-all lists $all: $(cat "$tmp/err")"
[ "$all" -gt 1 ] || fail "--verify-all: only $all line"

[ "$failures" -eq 0 ] || exit 1
echo "user_tripups: ok"
