#!/bin/bash
# query_basic.sh - index the five sample articles of tests/data with quire-index, then
# query them with quire-query: exact hit sets, matching by stem, AND vs --any, trec
# output, grep-like exit codes. Skips (exit 0, with a message) while quire-index cannot
# build an index yet.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set (run through ctest)}
data=$src/tests/data
tmp=$(mktemp -d /tmp/quire-query-basic-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "query_basic: FAIL: $*" >&2; failures=$((failures + 1)); }
skip() { echo "query_basic: SKIPPED: $*"; exit 0; }

shopt -s nullglob
articles=("$data"/00[0-4]_*.txt)
[ ${#articles[@]} -eq 5 ] || skip "the five sample articles are not in $data"
[ -x "$bin/quire-index" ] || skip "$bin/quire-index not built"
[ -x "$bin/quire-query" ] || { echo "query_basic: $bin/quire-query not built" >&2; exit 1; }

if ! "$bin/quire-index" "$tmp/idx" "${articles[@]}" >"$tmp/index.log" 2>&1; then
    echo "query_basic: quire-index failed:" >&2
    cat "$tmp/index.log" >&2
    exit 1
fi
manifests=("$tmp"/idx/manifest-*)
[ ${#manifests[@]} -gt 0 ] || skip "quire-index wrote no index yet"

# q EXPECTED_STATUS ARGS... : run quire-query, keep stdout in $out, check the exit code.
q() {
    local want=$1
    shift
    out=$("$bin/quire-query" "$@" 2>"$tmp/err")
    local got=$?
    [ "$got" -eq "$want" ] || fail "quire-query $*: exit $got, want $want: $(cat "$tmp/err")"
}

# The article numbers (000..004) of the hits in text output, sorted, space-separated.
hits() {
    printf '%s\n' "$out" | sed -n 's/^[0-9][0-9]*\. \([^ ]*\)  .*$/\1/p' |
        sed -n 's/.*\(00[0-4]\)_[0-9a-f]*\.txt$/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}

expect_hits() {
    local want=$1 count=$2
    shift 2
    q 0 "$@"
    [ "$(hits)" = "$want" ] || fail "quire-query $*: hits '$(hits)', want '$want'"$'\n'"$out"
    printf '%s\n' "$out" | tail -n 1 | grep -qx "$count matching documents" ||
        fail "quire-query $*: last line is not '$count matching documents'"$'\n'"$out"
}

idx=$tmp/idx
expect_hits "003 004" 2 "$idx" Uzbekistan
expect_hits "003 004" 2 "$idx" uzbekistan
# by stem: expecting/expected and visit/visiting
expect_hits "000 001 003" 3 "$idx" expect visit
expect_hits "000 001 003" 3 "$idx" expected visiting
expect_hits "000 001 002 003 004" 5 "$idx" --any expect visit
expect_hits "000 001 002 003 004" 5 "$idx" expect visit --any -k 10

# ranking is deterministic
q 0 "$idx" --any putin xi visit
first=$out
q 0 "$idx" --any putin xi visit
[ "$out" = "$first" ] || fail "two runs of the same query differ"

# scores: 4 decimals, best first
printf '%s\n' "$first" | sed -n 's/^[0-9][0-9]*\. [^ ]*  \([0-9]*\.[0-9]*\)  .*/\1/p' >"$tmp/scores"
[ -s "$tmp/scores" ] || fail "no scores in:"$'\n'"$first"
grep -qvE '^[0-9]+\.[0-9]{4}$' "$tmp/scores" && fail "scores not printed with 4 decimals"
sort -g -r -c "$tmp/scores" 2>/dev/null || fail "scores not in descending order"

# trec run format
q 0 --format trec --qid 7 --tag t1 "$idx" Uzbekistan
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] || fail "trec: want 2 lines:"$'\n'"$out"
printf '%s\n' "$out" | grep -qvE '^7 Q0 [^ ]+ [12] [0-9]+\.[0-9]{4} t1$' &&
    fail "trec: malformed line:"$'\n'"$out"

# exit codes like grep
q 1 "$idx" zanzibar
[ "$out" = "0 matching documents" ] || fail "no match: output '$out'"
q 1 "$idx" uzbekistan zanzibar
q 2 "$idx" '!!!'
grep -q '^quire-query: empty query$' "$tmp/err" || fail "empty query: stderr '$(cat "$tmp/err")'"
q 2 "$tmp/nowhere" uzbekistan
grep -q "^quire-query: .*$tmp/nowhere" "$tmp/err" || fail "missing index: stderr '$(cat "$tmp/err")'"
q 0 --help

[ "$failures" -eq 0 ] || exit 1
echo "query_basic: ok"
