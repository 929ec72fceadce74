#!/bin/bash
# query_approx.sh - approximate quotes, fuzzy words, notes and --explain from the command
# line, on the five sample articles of tests/data: the examples of issue #11, what text and
# JSON output say (close renderings, the differing words marked, notes on names), the
# options (--closeness, --no-close, --no-notes, --explain, --mark-diff-open/close) and
# the errors.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set (run through ctest)}
tmp=$(mktemp -d /tmp/quire-query-approx-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "query_approx: FAIL: $*" >&2; failures=$((failures + 1)); }

shopt -s nullglob
articles=("$src"/tests/data/00[0-4]_*.txt)
[ ${#articles[@]} -eq 5 ] || { echo "query_approx: sample articles missing" >&2; exit 1; }
"$bin/quire-index" --quiet "$tmp/idx" "${articles[@]}" >"$tmp/index.log" 2>&1 ||
    { cat "$tmp/index.log" >&2; exit 1; }
idx=$tmp/idx

# q EXPECTED_STATUS ARGS... : stdout in $out, stderr in $err
q() {
    local want=$1
    shift
    out=$("$bin/quire-query" --color never "$@" 2>"$tmp/err")
    local got=$?
    err=$(cat "$tmp/err")
    [ "$got" -eq "$want" ] || fail "quire-query $*: exit $got, want $want: $err"
}

# article numbers of text output, in rank order
ranked() {
    printf '%s\n' "$out" | sed -n 's/^[0-9][0-9]*\. .*\(00[0-4]\)_[0-9a-f]*\.txt  .*$/\1/p' |
        tr '\n' ' ' | sed 's/ $//'
}
expect_ranked() {
    local want=$1
    shift
    q 0 "$idx" "$@"
    [ "$(ranked)" = "$want" ] || fail "quire-query $*: hits '$(ranked)', want '$want'"
}

# the examples of the issue
expect_ranked "002 000 003" '"We are waiting for you, dear Mr Chairman"~'
expect_ranked "000 003 002" '"We are expecting you, dear Mr Chairman"~'
# an approximate quote in a date order (#10's --sort): dated oldest first, undated last;
# and paged
expect_ranked "003 002 000" --sort date '"We are waiting for you, dear Mr Chairman"~'
expect_ranked "002 003 000" --sort -date '"We are waiting for you, dear Mr Chairman"~'
expect_ranked "000 003" --offset 1 '"We are waiting for you, dear Mr Chairman"~'
# an ellipsis inside an approximate quote: its words, the ellipsis left out
expect_ranked "002" '"We are waiting for you … dear friend"~'
expect_ranked "000" '"Vladimir Putin and Xi Jinping"'
expect_ranked "000 001" '"Vladimir Putin and Xi Jinping"~'
for w in 'Zelensky~' 'Zelenskiy~' 'Zelenskyy~'; do
    q 0 "$idx" "$w"
    printf '%s\n' "$out" | tail -n 1 | grep -qx '5 matching documents' ||
        fail "$w: $(printf '%s\n' "$out" | tail -n 1)"
done

# the exact quote that matches nothing says so and lists the close renderings
q 0 "$idx" '"We are waiting for you, dear Mr Chairman"'
printf '%s\n' "$out" | head -n 1 | grep -qx 'no exact match; [0-9]* close renderings:' ||
    fail "no 'no exact match' line: $out"
printf '%s\n' "$out" | grep -qF '[[We are waiting for you, dear Mr. {{President}}]]' ||
    fail "002's rendering not marked: $out"
printf '%s\n' "$out" | grep -qF '[[We are {{expecting}} you, dear Mr Chairman]]' ||
    fail "000's rendering not marked: $out"
q 1 "$idx" --no-close '"We are waiting for you, dear Mr Chairman"'
q 1 "$idx" --count '"We are waiting for you, dear Mr Chairman"'
[ "$out" = "0 matching documents, 0 occurrences" ] || fail "--count falls back: $out"
q 0 "$idx" --mark-diff-open '<' --mark-diff-close '>' '"We are expecting you, dear Mr Chairman"~'
printf '%s\n' "$out" | grep -qF '[[We are <waiting for> you, dear Mr. <President>]]' ||
    fail "--mark-diff-open/close: $out"

# a higher closeness keeps only the exact renderings
expect_ranked "000 003" --closeness 0.99 '"We are expecting you, dear Mr Chairman"~'
expect_ranked "000 003" '"We are expecting you, dear Mr Chairman"~0.99'

# notes on names
q 0 "$idx" Zelensky
printf '%s\n' "$out" | grep -qx 'note: zelensky: also in the index: zelenskiy (1 document), zelenskyy (1); zelensky~ finds them' ||
    fail "no note on Zelensky: $out"
q 0 "$idx" --no-notes Zelensky
printf '%s\n' "$out" | grep -q '^note:' && fail "--no-notes: $out"
q 0 "$idx" zelensky
printf '%s\n' "$out" | grep -q '^note:' && fail "a lower-case word is noted: $out"

# JSON: fields, not prose
q 0 "$idx" --format json Zelensky
last=$(printf '%s\n' "$out" | tail -n 1)
case $last in
'{"query":"Zelensky",'*',"fell_back":false,"quotes":[],"notes":[{"word":"zelensky","variants":[{"form":"zelenskiy","documents":1,"distance":0},{"form":"zelenskyy","documents":1,"distance":0}],"more":0}],"fuzzy":[]}') ;;
*) fail "JSON notes: $last" ;;
esac
q 0 "$idx" --format json '"We are waiting for you, dear Mr Chairman"'
printf '%s\n' "$out" | tail -n 1 | grep -qF '"fell_back":true' || fail "JSON fell_back: $out"
printf '%s\n' "$out" | tail -n 1 | grep -qF '"exact_documents":0,"close_documents":3' ||
    fail "JSON quote counts: $out"
printf '%s\n' "$out" | sed -n 1p | grep -qF '{"kind":"substituted","word":7,' ||
    fail "JSON alignment: $(printf '%s\n' "$out" | sed -n 1p)"
if command -v python3 >/dev/null; then
    printf '%s\n' "$out" | python3 -c '
import json, sys
for line in sys.stdin:
    json.loads(line)' || fail "JSON lines do not parse"
fi

# a fuzzy word says what it searched
q 0 "$idx" --format json -p 0 'Zelensky~'
printf '%s\n' "$out" | tail -n 1 | grep -qF '"fuzzy":[{"word":"zelensky","distance":2,"lowered_from":-1,"searched":4,"in_reach":4}]' ||
    fail "JSON fuzzy: $(printf '%s\n' "$out" | tail -n 1)"
q 0 "$idx" -p 0 'xi~'
printf '%s\n' "$out" | head -n 1 | grep -qx 'note: xi~: a word of 1-2 characters has no variants by default; write xi~1' ||
    fail "xi~: $out"

# --explain
q 0 "$idx" --explain -p 0 'putin "no limits"'
printf '%s\n' "$out" | head -n 1 | grep -qx 'explain: AND(putin, "no limits")' || fail "explain: $out"
printf '%s\n' "$out" | grep -q '^  clause 1: putin (word): stem putin; 5 documents; weight' ||
    fail "explain clause: $out"
printf '%s\n' "$out" | grep -q '^   score: putin tf [0-9]* -> [0-9.]* + "no limits" tf 1 -> [0-9.]* = [0-9.]*$' ||
    fail "explain hit: $out"

# bad input: clear messages, exit 2
bad() {
    local want=$1
    shift
    q 2 "$idx" "$@"
    printf '%s\n' "$err" | grep -qF -- "$want" || fail "quire-query $*: stderr '$err' lacks '$want'"
}
bad 'at least 2 words' '"Putin"~'
bad 'not a number of words; for words near each other use NEAR/5' '"Putin Xi"~5'
bad 'must be 0, 1 or 2' 'Zelensky~3'
bad 'needs an approximate quote' '"Zelensky~ said"'
bad '~ must follow a word' 'putin ~'
bad '--closeness: not a number above 0 and at most 1' --closeness 2 '"a b"~'
bad 'NEAR does not take a fuzzy word' 'zelensky~ NEAR/3 putin'
long='"'
for i in $(seq 1 1000); do long="$long word$((i % 7))"; done
bad 'more than 64 words' "$long\"~"

[ "$failures" -eq 0 ] || exit 1
echo "query_approx: ok"
