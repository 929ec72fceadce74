#!/bin/bash
# query_language.sh - quire-query's query language from the command line, on the five
# sample articles of tests/data indexed by quire-index: quotes of every kind, --count,
# --format json, --batch, errors with a caret, --lenient, exit codes (0 hits, 1 none,
# 2 error).
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set (run through ctest)}
tmp=$(mktemp -d /tmp/quire-query-language-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "query_language: FAIL: $*" >&2; failures=$((failures + 1)); }

shopt -s nullglob
articles=("$src"/tests/data/00[0-4]_*.txt)
[ ${#articles[@]} -eq 5 ] || { echo "query_language: sample articles missing" >&2; exit 1; }
"$bin/quire-index" --quiet "$tmp/idx" "${articles[@]}" >"$tmp/index.log" 2>&1 ||
    { cat "$tmp/index.log" >&2; exit 1; }
idx=$tmp/idx

# q EXPECTED_STATUS ARGS... : stdout in $out, stderr in $err
q() {
    local want=$1
    shift
    out=$("$bin/quire-query" "$@" 2>"$tmp/err")
    local got=$?
    err=$(cat "$tmp/err")
    [ "$got" -eq "$want" ] || fail "quire-query $*: exit $got, want $want: $err"
}

# article numbers of text output, sorted
hits() {
    printf '%s\n' "$out" | sed -n 's/^[0-9][0-9]*\. .*\(00[0-4]\)_[0-9a-f]*\.txt  .*$/\1/p' |
        sort | tr '\n' ' ' | sed 's/ $//'
}
expect_hits() {
    local want=$1
    shift
    q 0 "$idx" "$@"
    [ "$(hits)" = "$want" ] || fail "quire-query $*: hits '$(hits)', want '$want'"
}

expect_hits "000 003" '"We are expecting you, dear Mr Chairman"'
expect_hits "000 003" We are expecting you, dear Mr Chairman
expect_hits "001 003" '“no limits”'
expect_hits "001 003" '„no' 'limits“'
expect_hits "000 002" '"objective and fair"'
expect_hits "003 004" Uzbekistan
expect_hits "000 001 003" expect visit
expect_hits "004" Uzbekistan -'"no limits"'

# --count: exact documents, and occurrences for a single phrase
q 0 --count "$idx" '"no limits"'
printf '%s\n' "$out" | grep -qE '^2 matching documents, [0-9]+ occurrences?$' ||
    fail "--count phrase: '$out'"
q 0 --count "$idx" Uzbekistan
[ "$out" = "2 matching documents" ] || fail "--count word: '$out'"
q 1 --count "$idx" '"limits no"'
[ "$out" = "0 matching documents, 0 occurrences" ] || fail "--count none: '$out'"
q 0 --count --format json "$idx" '"no limits"'
printf '%s\n' "$out" | grep -qE '^\{"matches":2,"occurrences":[0-9]+\}$' || fail "json count: '$out'"

# json: one object per hit, dates as YYYY-MM-DD or null, where the text starts in its
# file; then one line about the query (README "Passages")
q 0 --format json -k 5 "$idx" putin
[ "$(printf '%s\n' "$out" | wc -l)" -eq 6 ] || fail "json: want 6 lines: $out"
printf '%s\n' "$out" | head -n 5 | grep -qvE '^\{"rank":[1-5],"id":"[^"]*","title":"([^"\\]|\\.)*","date":("[0-9]{4}-[0-9]{2}-[0-9]{2}"|null),"score":[0-9]+\.[0-9]{4},"origin":"[^"]*","source":\{"line":1,"column":(1|18),"offset":(0|17)\},"title_highlights":\[[][0-9,]*\],"passages":\[\{"start":[0-9]+,.*\]\}$' &&
    fail "json: malformed line: $out"
[ "$(printf '%s\n' "$out" | tail -n 1)" = '{"query":"putin","matches":5,"matches_exact":true,"offset":0,"top":5,"hits":5,"sort":"relevance"}' ] ||
    fail "json: the query's line: $(printf '%s\n' "$out" | tail -n 1)"
printf '%s\n' "$out" | grep -q '"date":"2022-12-31"' || fail "json: no date: $out"
printf '%s\n' "$out" | grep -q '"date":null' || fail "json: no null date: $out"
if command -v python3 >/dev/null; then
    printf '%s\n' "$out" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' ||
        fail "json: not JSON: $out"
fi

# passages: the quote marked as one span, on a terminal in colour unless NO_COLOR
q 0 -k 1 "$idx" '“no limits”'
printf '%s\n' "$out" | grep -q '^   .*"\[\[no limits\]\]" partnership' || fail "passage: $out"
if command -v script >/dev/null; then
    tty_out=$(script -qec "'$bin/quire-query' -k 1 '$idx' '\"no limits\"'" /dev/null)
    printf '%s\n' "$tty_out" | grep -q $'\033\[1;31mno limits\033\[0m' || fail "tty colour: $tty_out"
    tty_out=$(NO_COLOR=1 script -qec "'$bin/quire-query' -k 1 '$idx' '\"no limits\"'" /dev/null)
    printf '%s\n' "$tty_out" | grep -q $'\033' && fail "NO_COLOR: $tty_out"
    printf '%s\n' "$tty_out" | grep -q '\[\[no limits\]\]' || fail "NO_COLOR markers: $tty_out"
fi

# --batch: trec per qid in one process; a bad line is reported and the rest still run
printf '1\t"no limits"\n# comment\n\n2\tUzbekistan\n3\tzanzibar\n' >"$tmp/batch"
q 0 --batch "$tmp/batch" --tag t "$idx"
[ "$(printf '%s\n' "$out" | grep -c '^1 Q0 ')" -eq 2 ] || fail "batch qid 1: $out"
[ "$(printf '%s\n' "$out" | grep -c '^2 Q0 ')" -eq 2 ] || fail "batch qid 2: $out"
printf '%s\n' "$out" | grep -q '^3 ' && fail "batch qid 3 has hits: $out"
printf '%s\n' "$out" | grep -qvE '^[12] Q0 [^ ]+ [12] [0-9]+\.[0-9]{4} t$' && fail "batch: malformed: $out"
printf '1\tzanzibar\n' >"$tmp/none"
q 1 --batch "$tmp/none" "$idx"
printf '1\t"open\nno tab here\n2\tUzbekistan\n' >"$tmp/bad"
q 2 --batch "$tmp/bad" "$idx"
printf '%s\n' "$out" | grep -q '^2 Q0 ' || fail "batch: good line after bad ones did not run: $out"
printf '%s\n' "$err" | grep -q "bad:1: query 1: unbalanced quote" || fail "batch error 1: $err"
printf '%s\n' "$err" | grep -q "bad:2: no tab" || fail "batch error 2: $err"
q 0 --batch "$tmp/batch" --format json "$idx"
printf '%s\n' "$out" | grep -q '^{"qid":"2","rank":1,' || fail "batch json: $out"

# errors: one line saying what and where, then the query and a caret; exit 2
q 2 "$idx" 'putin "no limits'
[ "$(printf '%s\n' "$err" | head -n 1)" = "quire-query: unbalanced quote at character 7 of the query" ] ||
    fail "unbalanced quote: $err"
[ "$(printf '%s\n' "$err" | sed -n 3p)" = "        ^" ] || fail "caret: $err"
q 2 "$idx" '(putin'
printf '%s\n' "$err" | grep -q 'unbalanced parenthesis at character 1' || fail "paren: $err"
q 2 "$idx" 'colour:red'
printf '%s\n' "$err" | grep -q "unknown field 'colour'" || fail "field: $err"
q 2 "$idx" 'date:2022-12-32'
printf '%s\n' "$err" | grep -q "bad date" || fail "date: $err"
q 2 "$idx" '!!!'
[ "$err" = "quire-query: empty query" ] || fail "empty: $err"
q 0 --lenient "$idx" 'putin "no limits'
q 2 "$idx" "$(printf '(%.0s' $(seq 1000))putin"
printf '%s\n' "$err" | grep -q "nesting deeper than 64" || fail "depth: $err"

[ "$failures" -eq 0 ] || exit 1
echo "query_language: ok"
