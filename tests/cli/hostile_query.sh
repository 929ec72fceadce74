#!/bin/bash
# hostile_query.sh - queries built to hurt (issue #6): 10,000 words, 1,000 nested
# parentheses or NOTs, a 1,000-word quote, prefixes matching every word of an index, a
# 100 KB word, the same phrase given twice. Each must end with a clear error (exit 2 and
# the message naming the limit) or a right answer, within bounded CPU time and memory:
# every quire-query runs under `ulimit -t` (and `ulimit -v`, except in sanitizer builds,
# whose shadow memory needs terabytes of address space), so a runaway is killed and fails.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set (run through ctest)}
tmp=$(mktemp -d /tmp/quire-hostile-query-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "hostile_query: FAIL: $*" >&2; failures=$((failures + 1)); }
[ -x "$bin/quire-index" ] || { echo "hostile_query: SKIPPED: $bin/quire-index not built"; exit 0; }
[ -x "$bin/quire-query" ] || { echo "hostile_query: $bin/quire-query not built" >&2; exit 1; }

cpu_limit=60    # seconds of CPU per query (each takes well under one)
mem_limit=2000000 # KiB of address space, when the build allows a limit
if ! (ulimit -v $mem_limit && "$bin/quire-query" --help >/dev/null 2>&1) 2>/dev/null; then
    mem_limit=unlimited # ASan reserves its shadow memory up front
fi

# The sample articles, a file of 1,500 distinct words zz0001..zz1500 (a prefix matching
# more than 1,024 of them) and one of 1,000 words zy0001..zy1000 (a prefix matching them all).
{ for i in $(seq -w 1 1500); do printf 'zz%s ' "$i"; done; echo; } >"$tmp/zz.txt"
{ for i in $(seq -w 1 1000); do printf 'zy%s ' "$i"; done; echo; } >"$tmp/zy.txt"
if ! "$bin/quire-index" --quiet "$tmp/idx" "$src"/tests/data/00[0-4]_*.txt "$tmp/zz.txt" \
    "$tmp/zy.txt" >"$tmp/index.log" 2>&1; then
    echo "hostile_query: quire-index failed:" >&2
    cat "$tmp/index.log" >&2
    exit 1
fi

# q WANT_STATUS ARGS...: quire-query under the limits; stdout in $tmp/out, stderr in $tmp/err.
q() {
    local want=$1
    shift
    (ulimit -t $cpu_limit -v $mem_limit && exec "$bin/quire-query" "$@") >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "quire-query ${*:0:40}...: exit $got, want $want: $(head -c 300 "$tmp/err")"
}
# err_has TEXT: the error message says TEXT
err_has() { grep -qF -- "$1" "$tmp/err" || fail "error message lacks '$1': $(head -c 300 "$tmp/err")"; }

# 10,000 distinct words: the 1,024-word limit, named
words=$(for i in $(seq 1 10000); do printf 'w%d ' "$i"; done)
q 2 "$tmp/idx" "$words putin"
err_has "more than 1024 words"
# the message shows a window of the query around the culprit, not all 70 KB of it
[ "$(wc -c <"$tmp/err")" -lt 400 ] || fail "the error message is $(wc -c <"$tmp/err") bytes long"
grep -qF 'w1024 w1025' "$tmp/err" || fail "the error message does not show the culprit: $(head -c 300 "$tmp/err")"
q 2 --lenient "$tmp/idx" "$words putin"
err_has "more than 1024 words"
q 2 --any "$tmp/idx" "$words"
err_has "more than 1024 words"
# 10,000 words as a batch line too
printf 'q1\t%s\n' "$words" >"$tmp/batch"
q 2 --batch "$tmp/batch" "$tmp/idx"
err_has "more than 1024 words"

# 1,000 nested parentheses, 1,000 NOTs: the nesting limit
open=$(printf '(%.0s' $(seq 1000))
close=$(printf ')%.0s' $(seq 1000))
q 2 "$tmp/idx" "${open}putin${close}"
err_has "nesting deeper than 64"
q 2 --lenient "$tmp/idx" "${open}putin${close}"
err_has "nesting deeper than 64"
q 2 "$tmp/idx" "${open}putin"
q 2 "$tmp/idx" "$(printf 'NOT %.0s' $(seq 1000))putin"
err_has "nesting deeper than 64"
# 64 levels are fine
q 0 "$tmp/idx" "$(printf '(%.0s' $(seq 60))putin$(printf ')%.0s' $(seq 60))"

# a 1,000-word quote: the 256-word phrase limit
quote="\"$(printf 'state visit %.0s' $(seq 500))\""
q 2 "$tmp/idx" "$quote"
err_has "phrase longer than 256 words"
q 2 "$tmp/idx" "~$quote"
err_has "phrase longer than 256 words"
# ... and a 256-word one is searched (no document holds it)
q 1 "$tmp/idx" "\"$(printf 'state visit %.0s' $(seq 128))\""

# prefixes: one matching 1,500 words is refused by name, one matching 1,000 answers
q 2 "$tmp/idx" 'zz*'
err_has "prefix 'zz*' matches more than 1024 words"
q 0 --count "$tmp/idx" 'zy*'
grep -q '^1 matching document' "$tmp/out" || fail "zy* should match the one document: $(cat "$tmp/out")"
q 0 --count "$tmp/idx" 'zy* OR zz0001'
q 2 "$tmp/idx" 'putin zz*'

# a 100 KB word: cut to the longest term, matches nothing
q 1 "$tmp/idx" "$(head -c 100000 /dev/zero | tr '\0' 'a')"

# the same phrase twice counts once (a dropped duplicate left a hole in the planner's
# phrase table: quire-query crashed on '"state visit" "state visit"', found by fuzz_query)
for dup in '"state visit"' 'Russian-Chinese' 'title:ukraine' 'putin NEAR/3 xi' '~"state visit"'; do
    q 0 "$tmp/idx" "$dup"
    cp "$tmp/out" "$tmp/once"
    q 0 "$tmp/idx" "$dup $dup"
    cmp -s "$tmp/once" "$tmp/out" || fail "'$dup $dup' differs from '$dup'"
    q 0 --any "$tmp/idx" "$dup OR $dup"
    cmp -s "$tmp/once" "$tmp/out" || fail "--any '$dup OR $dup' differs from '$dup'"
done
q 0 "$tmp/idx" '"state visit" putin "state visit" xi "state visit"'

if [ $failures -gt 0 ]; then
    echo "hostile_query: $failures failure(s)" >&2
    exit 1
fi
echo "hostile_query: ok"
