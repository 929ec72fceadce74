#!/bin/bash
# revdict.sh - a segment's reversed forms (seg-<id>.rvd, FORMAT.md "Reversed forms", format
# version 4): written by indexing and by merges, checked by --verify, refused with a message
# naming the file when damaged, and optional: an index without them (segments of versions
# 1-3) gives the same fuzzy words' forms and hits.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set (run through ctest)}
tmp=$(mktemp -d /tmp/quire-revdict-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "revdict: FAIL: $*" >&2; failures=$((failures + 1)); }

shopt -s nullglob
articles=("$src"/tests/data/00[0-4]_*.txt)
[ ${#articles[@]} -eq 5 ] || { echo "revdict: sample articles missing" >&2; exit 1; }
"$bin/quire-index" --quiet "$tmp/idx" "${articles[@]:0:3}" || exit 1
"$bin/quire-index" --quiet "$tmp/idx" "${articles[@]:3}" || exit 1
rvds=("$tmp"/idx/seg-*.rvd)
[ ${#rvds[@]} -eq 2 ] || fail "two segments, ${#rvds[@]} .rvd files"
"$bin/quire-index" --verify "$tmp/idx" >/dev/null 2>&1 || fail "--verify of a fresh index"

words=(Zelensky~ Zelenskiy~ Chairman~ Kremlin~2 waitting~ expectin~ summitt~ Jinpingg~2)
answers() { # answers INDEX: the hits and the forms of every fuzzy word
    for w in "${words[@]}"; do
        echo "== $w"
        "$bin/quire-query" --color never --format json --explain "$1" "$w" 2>&1 |
            grep -v '"ms"\|"elapsed\|"took\|timing'
    done
}
answers "$tmp/idx" >"$tmp/with.txt"
grep -q zelenskyy "$tmp/with.txt" || fail "Zelensky~ does not find zelenskyy"

# without the files: the segments read as version 3 ones, the same answers
cp -r "$tmp/idx" "$tmp/plain"
rm -f "$tmp"/plain/seg-*.rvd
"$bin/quire-index" --verify "$tmp/plain" >/dev/null 2>&1 || fail "--verify without .rvd"
answers "$tmp/plain" >"$tmp/without.txt"
diff "$tmp/with.txt" "$tmp/without.txt" >"$tmp/diff" || { fail "answers differ without .rvd"; head "$tmp/diff" >&2; }

# mixed: one segment with, one without; then a merge writes one for the merged segment
cp -r "$tmp/idx" "$tmp/mixed"
rm -f "${rvds[0]/$tmp\/idx/$tmp/mixed}"
answers "$tmp/mixed" >"$tmp/mixed.txt"
diff -q "$tmp/with.txt" "$tmp/mixed.txt" >/dev/null || fail "answers differ with one .rvd"
"$bin/quire-index" --quiet --merge "$tmp/mixed" >/dev/null 2>&1 || "$bin/quire-index" --quiet --optimize "$tmp/mixed" >/dev/null 2>&1
merged=("$tmp"/mixed/seg-*.ter)
if [ ${#merged[@]} -eq 1 ]; then
    m=("$tmp"/mixed/seg-*.rvd)
    [ ${#m[@]} -eq 1 ] || fail "the merged segment has no .rvd"
    answers "$tmp/mixed" >"$tmp/merged.txt"
    diff -q "$tmp/with.txt" "$tmp/merged.txt" >/dev/null || fail "answers differ after the merge"
fi

# a version-3 index (tests/golden/v3, no .rvd) with a version-4 segment added: the same
# answers as with that segment's .rvd removed
cp -r "$src/tests/golden/v3" "$tmp/v3"
chmod -R u+w "$tmp/v3"
"$bin/quire-index" --quiet "$tmp/v3" "${articles[@]}" >/dev/null 2>&1 || fail "appending to tests/golden/v3"
v3r=("$tmp"/v3/seg-*.rvd)
[ ${#v3r[@]} -eq 1 ] || fail "the segment added to v3: ${#v3r[@]} .rvd files"
answers "$tmp/v3" >"$tmp/v3.txt"
grep -q zelenskyy "$tmp/v3.txt" || fail "v3 + new segment: Zelensky~ does not find zelenskyy"
cp -r "$tmp/v3" "$tmp/v3plain"
rm -f "$tmp"/v3plain/seg-*.rvd
answers "$tmp/v3plain" >"$tmp/v3plain.txt"
diff -q "$tmp/v3.txt" "$tmp/v3plain.txt" >/dev/null || fail "v3 + new segment: answers differ without its .rvd"
"$bin/quire-index" --verify "$tmp/v3" >/dev/null 2>&1 || fail "--verify of v3 + new segment"

# damaged: a flipped byte in a block, a truncated file, another kind's bytes
damage() { # damage NAME CMD: copy the index, run CMD on its first .rvd, expect a refusal
    local name=$1 cmd=$2
    rm -rf "$tmp/bad"
    cp -r "$tmp/idx" "$tmp/bad"
    local f=("$tmp"/bad/seg-*.rvd)
    eval "$cmd" "${f[0]}"
    local out
    out=$("$bin/quire-query" --color never "$tmp/bad" 'Zelensky~' 2>&1)
    local rc=$?
    local v
    v=$("$bin/quire-index" --verify "$tmp/bad" 2>&1)
    local vrc=$?
    [ $vrc -ne 0 ] || fail "$name: --verify passed"
    echo "$v" | grep -q '\.rvd' || fail "$name: --verify does not name the .rvd: $v"
    if [ $rc -eq 0 ]; then
        # only a block's crc (checked when read) may let a query run; then it must not
        # have read the damaged block, and --verify caught it above
        [ "$name" = block ] || fail "$name: the query ran: $out"
    else
        echo "$out" | grep -q '\.rvd' || fail "$name: the message does not name the .rvd: $out"
    fi
}
flip() { printf '\xff' | dd of="$1" bs=1 seek=30 conv=notrunc status=none; }
truncate_it() { truncate -s 100 "$1"; }
other_kind() { cp "${1%.rvd}.ids" "$1"; }
damage block flip
damage truncated truncate_it
damage kind other_kind

[ $failures -eq 0 ] || { echo "revdict: $failures failures" >&2; exit 1; }
echo "revdict: ok"
