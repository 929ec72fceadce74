#!/bin/bash
# index_basic.sh - quire-index on the five sample articles of tests/data: exit codes, the
# summary, --stats, --verify, a query on the result, --help listing every option, bad
# usage (exit 2 with a message), a missing input (an error naming it; with --allow-missing
# a warning and exit 3), an unknown
# language (a clear error, nothing left behind), --stop-on-error, and an appended run.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set (run through ctest)}
data=$src/tests/data
tmp=$(mktemp -d /tmp/quire-index-basic-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "index_basic: FAIL: $*" >&2; failures=$((failures + 1)); }

shopt -s nullglob
articles=("$data"/00[0-4]_*.txt)
[ ${#articles[@]} -eq 5 ] || { echo "index_basic: the five sample articles are not in $data" >&2; exit 1; }
for p in quire-index quire-query; do
    [ -x "$bin/$p" ] || { echo "index_basic: $bin/$p not built" >&2; exit 1; }
done

# x EXPECTED_STATUS ARGS... : run quire-index, stdout in $out, stderr in $err.
x() {
    local want=$1
    shift
    out=$("$bin/quire-index" "$@" 2>"$tmp/err")
    local got=$?
    err=$(cat "$tmp/err")
    [ "$got" -eq "$want" ] || fail "quire-index $*: exit $got, want $want:"$'\n'"$out"$'\n'"$err"
}

idx=$tmp/idx
x 0 "$idx" "${articles[@]}"
printf '%s\n' "$out" | grep -q "^indexed 5 documents (0 skipped, 0 warnings) into $idx, generation 1$" ||
    fail "summary:"$'\n'"$out"
[ -z "$err" ] || fail "warnings on clean input: $err"

x 0 --stats "$idx"
printf '%s\n' "$out" | grep -qE '^documents +5$' || fail "--stats: not 5 documents:"$'\n'"$out"
printf '%s\n' "$out" | grep -qE '^language +english$' || fail "--stats: no language english:"$'\n'"$out"
printf '%s\n' "$out" | grep -q "generation 1, 1 segment)" || fail "--stats: generation:"$'\n'"$out"

x 0 --verify "$idx"
[ "$out" = "$idx: ok" ] || fail "--verify: '$out'"

hits=$("$bin/quire-query" "$idx" Uzbekistan | sed -n 's/^[0-9]*\. .*\/\(00[0-4]\)_[0-9a-f]*\.txt  .*/\1/p' | sort | tr '\n' ' ')
[ "$hits" = "003 004 " ] || fail "quire-query Uzbekistan: hits '$hits', want '003 004 '"

# --help and the parser come from one table (quire/cli.h): every option --help lists is
# one the parser takes (given with a value where --help shows one, never "unknown"), and
# a name one letter off is answered with the right one.
x 0 --help
help=$out
options=$(printf '%s\n' "$help" | sed -n 's/^ *\(-[a-z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' | sort -u)
[ "$(printf '%s\n' "$options" | wc -l)" -ge 20 ] || fail "--help lists few options: $options"
for o in $options; do
    "$bin/quire-index" "$o" >/dev/null 2>"$tmp/err" </dev/null
    grep -q "unknown option" "$tmp/err" && fail "--help lists $o, the parser does not know it"
done
x 2 --optimze "$idx"
printf '%s\n' "$err" | grep -q -- "unknown option '--optimze'; did you mean --optimize?" ||
    fail "no suggestion for --optimze: '$err'"
out=$help
printf '%s\n' "$out" | grep -q '^usage: quire-index' || fail "--help: no usage line"

# Bad usage: exit 2 and a message naming the problem.
x 2
printf '%s\n' "$err" | grep -q '^quire-index: .*INDEX' || fail "no arguments: '$err'"
x 2 "$tmp/only-index"
printf '%s\n' "$err" | grep -q '^quire-index: .*INPUT' || fail "no input: '$err'"
[ -e "$tmp/only-index" ] && fail "bad usage created $tmp/only-index"
x 2 --bogus "$idx" "${articles[0]}"
printf '%s\n' "$err" | grep -q -- '--bogus' || fail "unknown option: '$err'"
x 2 --memory lots "$idx" "${articles[0]}"
printf '%s\n' "$err" | grep -q -- '--memory lots' || fail "bad --memory: '$err'"
x 2 --threads 0 "$idx" "${articles[0]}"
printf '%s\n' "$err" | grep -q -- '--threads 0' || fail "bad --threads: '$err'"
x 2 "$idx" "${articles[0]}" --threads
printf '%s\n' "$err" | grep -q -- '--threads' || fail "--threads without a value: '$err'"
x 2 --stats
x 2 --verify "$idx" extra
x 0 --stats "$idx"
printf '%s\n' "$out" | grep -qE '^documents +5$' || fail "bad usage changed the index"

# A missing input: a warning naming it, the rest indexed.
# An input that does not exist fails the run before anything is created or read...
idx2=$tmp/idx2
x 1 "$idx2" "${articles[0]}" "$tmp/no-such-file.txt" "${articles[1]}"
printf '%s\n' "$err" | grep -q "^quire-index: input $tmp/no-such-file.txt: no such file or directory$" ||
    fail "missing input: no error naming it: '$err'"
[ -e "$idx2" ] && fail "missing input: $idx2 was created"
# ... unless --allow-missing: a warning naming it, the rest indexed, exit 3.
x 3 --allow-missing "$idx2" "${articles[0]}" "$tmp/no-such-file.txt" "${articles[1]}"
printf '%s\n' "$err" | grep -q "warning: .*$tmp/no-such-file.txt" || fail "missing input: no warning naming it: '$err'"
printf '%s\n' "$out" | grep -q "^indexed 2 documents (1 skipped" || fail "missing input: summary:"$'\n'"$out"
# ... and with --stop-on-error the run fails and the last commit stays.
x 1 --stop-on-error "$idx2" "${articles[2]}" "$tmp/no-such-file.txt"
printf '%s\n' "$err" | grep -q "no-such-file.txt" || fail "--stop-on-error: message does not name the input: '$err'"
printf '%s\n' "$err" | grep -q "nothing committed" || fail "--stop-on-error: '$err'"
x 0 --stats "$idx2"
printf '%s\n' "$out" | grep -qE '^documents +2$' || fail "--stop-on-error: the index changed:"$'\n'"$out"

# An unknown language: a clear error naming it, nothing created.
x 1 --language klingon "$tmp/idx3" "${articles[0]}"
printf '%s\n' "$err" | grep -q "unknown language 'klingon'" || fail "unknown language: '$err'"
[ -e "$tmp/idx3" ] && fail "unknown language: $tmp/idx3 was created"
x 0 --language list
printf '%s\n' "$out" | grep -qx english || fail "--language list lacks english"
# Another language on an existing index: refused, the index unchanged.
x 1 --language french "$idx" "${articles[0]}"
printf '%s\n' "$err" | grep -q "english" || fail "language mismatch: '$err'"

# Appending: a second run commits generation 2 with both runs' documents.
x 0 --quiet "$idx2" "${articles[2]}" "${articles[3]}"
[ -z "$out" ] || fail "--quiet printed: $out"
x 0 --stats "$idx2"
printf '%s\n' "$out" | grep -qE '^documents +4$' || fail "append: not 4 documents:"$'\n'"$out"
printf '%s\n' "$out" | grep -q "generation 2, 2 segments)" || fail "append: generation:"$'\n'"$out"
x 0 --verify "$idx2"

# Empty input (a file, and stdin): an empty valid index that quire-query opens.
: >"$tmp/empty.jsonl"
x 0 "$tmp/empty" "$tmp/empty.jsonl"
printf '%s\n' "$out" | grep -q "^indexed 0 documents" || fail "empty input: summary:"$'\n'"$out"
x 0 --verify "$tmp/empty"
x 0 --stats "$tmp/empty"
printf '%s\n' "$out" | grep -qE '^documents +0$' || fail "empty input: stats:"$'\n'"$out"
got=$("$bin/quire-query" "$tmp/empty" oil 2>&1)
[ $? -eq 1 ] && [ "$got" = "0 matching documents" ] || fail "quire-query on an empty index: '$got'"
x 0 "$tmp/empty-stdin" - </dev/null
x 0 --verify "$tmp/empty-stdin"

[ "$failures" -eq 0 ] || exit 1
echo "index_basic: ok"
