#!/bin/bash
# query_plain.sh - natural-language topics in a batch: quire-query --batch warns when a
# query in operator mode reads like prose (query/prose.h), names the first ones and counts
# the rest; --plain reads every token as a word (no warning, the same run as the topics
# lower-cased and stripped of punctuation); a boolean batch gets no warning.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
tmp=$(mktemp -d /tmp/quire-query-plain-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "query_plain: FAIL: $*" >&2; failures=$((failures + 1)); }
[ -x "$bin/quire-index" ] && [ -x "$bin/quire-query" ] || { echo "query_plain: programs not built" >&2; exit 1; }

cat >"$tmp/docs.jsonl" <<'JSON'
{"id": "1", "title": "NOVEL COMPUTER ARCHITECTURES", "text": "PARALLELISM IN SIMD AND MIMD MACHINES, AND ASSOCIATIVE MEMORIES."}
{"id": "2", "title": "NON-USERS OF PUBLIC LIBRARIES", "text": "A SURVEY OF WHO DOES NOT USE THE LIBRARY AND WHY."}
{"id": "3", "title": "ONLINE CATALOGUES", "text": "COMPUTER CATALOGUES OR CARD CATALOGUES IN UNIVERSITY LIBRARIES."}
{"id": "4", "title": "Evaluation of retrieval", "text": "Recall and precision of retrieval systems, not of users."}
JSON
"$bin/quire-index" -q "$tmp/idx" "$tmp/docs.jsonl" || { echo "query_plain: quire-index failed" >&2; exit 1; }

# Four LISA-style topics (capitals, AND OR NOT among the words), one boolean query.
printf '%s\t%s\n' \
    1 "I AM INTERESTED IN NOVEL COMPUTER ARCHITECTURES, PARALLELISM AND ASSOCIATIVE MEMORIES." \
    2 "I WOULD LIKE INFORMATION ON NON-USERS OF LIBRARIES, WHO ARE THEY AND WHY DO THEY NOT USE THEM?" \
    3 "ONLINE CATALOGUES OR CARD CATALOGUES IN THE LIBRARIES OF UNIVERSITIES, AND THEIR USE." \
    4 "EVALUATION OF RETRIEVAL SYSTEMS, RECALL AND PRECISION, NOT USER STUDIES OF ANY KIND." \
    >"$tmp/topics.tsv"
printf '%s\t%s\n' 1 "computer AND architectures" 2 "(catalogues OR libraries) NOT card" >"$tmp/boolean.tsv"

# operator mode: a warning for each of the first three, and a count of all four
"$bin/quire-query" --batch "$tmp/topics.tsv" --any "$tmp/idx" >"$tmp/ops.run" 2>"$tmp/ops.err"
[ "$(grep -c 'reads like prose' "$tmp/ops.err")" = 3 ] || fail "want 3 prose warnings: $(cat "$tmp/ops.err")"
grep -q "topics.tsv:1: query 1 reads like prose, but its 'AND' at character 62 is read as an operator; --plain" "$tmp/ops.err" ||
    fail "warning for query 1 lacks the file, line, operator and column: $(cat "$tmp/ops.err")"
grep -q "topics.tsv:2: query 2 reads like prose, but its 'AND' at character" "$tmp/ops.err" ||
    fail "no warning for query 2: $(cat "$tmp/ops.err")"
grep -q '4 queries in all read like prose' "$tmp/ops.err" || fail "no count of the prose queries: $(cat "$tmp/ops.err")"

# --plain: no warning; the same run as the lower-cased words (no operator left in them)
"$bin/quire-query" --batch "$tmp/topics.tsv" --any --plain "$tmp/idx" >"$tmp/plain.run" 2>"$tmp/plain.err" ||
    fail "--plain batch: exit $?"
[ -s "$tmp/plain.err" ] && fail "--plain warned: $(cat "$tmp/plain.err")"
tr 'A-Z' 'a-z' <"$tmp/topics.tsv" | sed 's/[^a-z0-9\t]/ /g' >"$tmp/lower.tsv"
"$bin/quire-query" --batch "$tmp/lower.tsv" --any "$tmp/idx" >"$tmp/lower.run" 2>"$tmp/lower.err"
cmp -s "$tmp/plain.run" "$tmp/lower.run" || fail "--plain run differs from the lower-cased words':"$'\n'"$(diff "$tmp/plain.run" "$tmp/lower.run")"
[ -s "$tmp/lower.err" ] && fail "lower-cased words warned: $(cat "$tmp/lower.err")"
# and it differs from the operator reading (query 4's NOT excludes document 4 there)
cmp -s "$tmp/plain.run" "$tmp/ops.run" && fail "--plain and operator mode gave the same run"
grep -q '^4 Q0 4 ' "$tmp/plain.run" || fail "--plain: query 4 does not find document 4"
grep -q '^4 Q0 4 ' "$tmp/ops.run" && fail "operator mode: query 4's NOT did not exclude document 4"

# a boolean batch: no warning
"$bin/quire-query" --batch "$tmp/boolean.tsv" "$tmp/idx" >"$tmp/bool.run" 2>"$tmp/bool.err"
[ -s "$tmp/bool.err" ] && fail "boolean batch warned: $(cat "$tmp/bool.err")"
grep -q '^1 Q0 1 1 ' "$tmp/bool.run" || fail "boolean query 1 does not find document 1: $(cat "$tmp/bool.run")"

# The options that rescore by relevance refuse a date order, and --explain refuses the
# title weight and proximity (their parts would not add up to the score): status 2, a
# message naming the conflict; with relevance order they run.
for opts in "--sort date --proximity" "--sort -date --title-weight 3" "--sort date --any --rm3" \
    "--explain --proximity" "--explain --title-weight 2" "--explain --any --rm3"; do
    # shellcheck disable=SC2086
    "$bin/quire-query" $opts "$tmp/idx" catalogues >/dev/null 2>"$tmp/combo.err"
    st=$?
    [ "$st" = 2 ] || fail "$opts: exit $st, want 2"
    grep -qE 'date order|explain' "$tmp/combo.err" || fail "$opts: $(cat "$tmp/combo.err")"
done
"$bin/quire-query" --proximity --title-weight 3 "$tmp/idx" catalogues >/dev/null ||
    fail "--proximity --title-weight 3 without a date order"
"$bin/quire-query" --sort date --offset 1 "$tmp/idx" catalogues >/dev/null ||
    fail "--sort date --offset 1"

if [ "$failures" -gt 0 ]; then
    echo "query_plain: $failures failure(s)" >&2
    exit 1
fi
echo "query_plain: ok"
