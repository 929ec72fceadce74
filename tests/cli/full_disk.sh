#!/bin/bash
# full_disk.sh - a full disk or a file-size limit ends quire-index with a clear error and
# the last commit intact: (1) under `ulimit -f` (writes fail with EFBIG; quire-index
# ignores SIGXFSZ so the error is reported, not a kill) an adding run fails naming the file,
# the index verifies and answers as before, and the next run without the limit succeeds and
# leaves no stray files; (2) on a small tmpfs (only if this user may mount one) an adding
# run fails with "No space left on device", and --optimize is refused before it starts by
# the free-space check, each time with the last commit intact.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
tmp=$(mktemp -d /tmp/quire-fulldisk-XXXXXX)
mnt=$tmp/mnt
cleanup() {
    mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
    rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
fail() { echo "full_disk: FAIL: $*" >&2; failures=$((failures + 1)); }

# docs N FIRST: N documents of 60 pseudo-random words, ids FIRST.. (deterministic)
docs() {
    awk -v n="$1" -v first="$2" 'BEGIN {
        split("oil price bank rate grain wheat trade market storm ship port coffee cocoa gold silver union vote court budget growth", w, " ");
        s = first * 7 + 1;
        for (i = 0; i < n; i++) {
            t = "";
            for (k = 0; k < 60; k++) { s = (s * 1103515245 + 12345) % 2147483648; t = t " " w[1 + int(s / 65536) % 20] (s % 97); }
            printf "{\"id\": \"d%d\", \"title\": \"doc %d\", \"text\": \"%s\"}\n", first + i, first + i, t;
        }
    }'
}
docs 200 0 >"$tmp/base.jsonl"
docs 6000 1000 >"$tmp/big.jsonl"

state() {
    {
        "$bin/quire-index" --stats "$1" | grep -v '^index '
        "$bin/quire-query" --count "$1" oil
        "$bin/quire-query" -k 20 "$1" bank rate
    } 2>&1
}

# --- (1) a file-size limit
idx=$tmp/idx
"$bin/quire-index" --quiet "$idx" "$tmp/base.jsonl" || { echo "full_disk: base run failed" >&2; exit 1; }
before=$(state "$idx")
files_before=$(ls "$idx")
(ulimit -f 256 && exec "$bin/quire-index" --quiet --threads 2 "$idx" "$tmp/big.jsonl") >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "ulimit: exit $rc, expected 1: $(cat "$tmp/err")"
grep -q "File too large" "$tmp/err" || fail "ulimit: no 'File too large' in: $(cat "$tmp/err")"
grep -q "$idx/seg-" "$tmp/err" || fail "ulimit: the message names no file: $(cat "$tmp/err")"
grep -q "keeps its last commit (generation 1" "$tmp/err" || fail "ulimit: no word of the last commit: $(cat "$tmp/err")"
"$bin/quire-index" --verify "$idx" >/dev/null 2>&1 || fail "ulimit: --verify after the failed run"
[ "$(state "$idx")" = "$before" ] || fail "ulimit: the index changed"
[ "$(ls "$idx")" = "$files_before" ] || fail "ulimit: files left: $(ls "$idx" | tr '\n' ' ')"
# a deletion and a merge under the limit: --optimize writes one segment of the whole index
"$bin/quire-index" --quiet "$idx" "$tmp/big.jsonl" || fail "the run without the limit failed"
after_add=$(state "$idx")
(ulimit -f 256 && exec "$bin/quire-index" --quiet --delete d3 --optimize "$idx") >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "ulimit optimize: exit $rc: $(cat "$tmp/err")"
grep -q "File too large" "$tmp/err" || fail "ulimit optimize: $(cat "$tmp/err")"
"$bin/quire-index" --verify "$idx" >/dev/null 2>&1 || fail "ulimit optimize: --verify"
[ "$(state "$idx")" = "$after_add" ] || fail "ulimit optimize: the index changed"
"$bin/quire-index" --quiet --delete d3 --optimize "$idx" || fail "optimize without the limit failed"
[ "$("$bin/quire-index" --stats "$idx" | sed -n 's/.*generation [0-9]*, \([0-9]*\) segment.*/\1/p')" = 1 ] ||
    fail "optimize: not one segment"
echo "full_disk: file-size limit ok"

# --- (2) a small tmpfs, if mounting is allowed here
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=1m tmpfs "$mnt" 2>/dev/null; then
    echo "full_disk: tmpfs part SKIPPED (cannot mount here)"
    [ "$failures" -eq 0 ] || exit 1
    echo "full_disk: ok"
    exit 0
fi
small=$mnt/idx
"$bin/quire-index" --quiet "$small" "$tmp/base.jsonl" || fail "tmpfs: base run failed"
before=$(state "$small")
files_before=$(ls "$small")
"$bin/quire-index" --quiet "$small" "$tmp/big.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "tmpfs: exit $rc, expected 1: $(cat "$tmp/err")"
grep -q "No space left on device" "$tmp/err" || fail "tmpfs: $(cat "$tmp/err")"
grep -q "keeps its last commit (generation 1" "$tmp/err" || fail "tmpfs: $(cat "$tmp/err")"
"$bin/quire-index" --verify "$small" >/dev/null 2>&1 || fail "tmpfs: --verify"
[ "$(state "$small")" = "$before" ] || fail "tmpfs: the index changed"
[ "$(ls "$small")" = "$files_before" ] || fail "tmpfs: files left: $(ls "$small" | tr '\n' ' ')"
# fill the disk, then ask for a merge: refused before it starts
"$bin/quire-index" --quiet "$small" <(docs 50 500) || fail "tmpfs: second small run"
dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null
before=$(state "$small")
"$bin/quire-index" --quiet --optimize "$small" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "tmpfs optimize: exit $rc: $(cat "$tmp/err")"
grep -q "needs up to .* MB of free disk space" "$tmp/err" || fail "tmpfs optimize: $(cat "$tmp/err")"
[ "$(state "$small")" = "$before" ] || fail "tmpfs optimize: the index changed"
"$bin/quire-index" --verify "$small" >/dev/null 2>&1 || fail "tmpfs optimize: --verify"
rm -f "$mnt/filler"
"$bin/quire-index" --quiet --optimize "$small" || fail "tmpfs: optimize with room failed"
echo "full_disk: tmpfs ok"


[ "$failures" -eq 0 ] || exit 1
echo "full_disk: ok"
