#!/bin/bash
# exit_status.sh - the exit status of quire-index that a nightly job can trust, and its
# --summary-json (README "Exit status"): 0 when every input was read and indexed, 3 when
# inputs or documents were skipped and the rest committed, 1 and nothing committed for an
# input that does not exist (unless --allow-missing), for a run that indexed nothing from
# inputs that had bytes or lost something (unless --allow-empty), and with --stop-on-error;
# a truncated .txt.gz is skipped whole; --delete of an unknown id names the real generation.
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
src=${QUIRE_SOURCE_DIR:?QUIRE_SOURCE_DIR must be set (run through ctest)}
data=$src/tests/data
tmp=$(mktemp -d /tmp/quire-exit-status-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "exit_status: FAIL: $*" >&2; failures=$((failures + 1)); }

shopt -s nullglob
articles=("$data"/00[0-4]_*.txt)
[ ${#articles[@]} -eq 5 ] || { echo "exit_status: no sample articles in $data" >&2; exit 1; }

# x EXPECTED_STATUS ARGS... : run quire-index, stdout in $out, stderr in $err.
x() {
    local want=$1
    shift
    out=$("$bin/quire-index" "$@" 2>"$tmp/err")
    local got=$?
    err=$(cat "$tmp/err")
    [ "$got" -eq "$want" ] || fail "quire-index $*: exit $got, want $want:"$'\n'"$out"$'\n'"$err"
}
has_err() { printf '%s\n' "$err" | grep -qF -- "$1" || fail "stderr lacks '$1':"$'\n'"$err"; }
# json FILE PYTHON-EXPR: the summary parses and the expression over it (j) holds.
json() {
    command -v python3 >/dev/null || { grep -q '^{.*}$' "$1" || fail "$1: not one JSON line"; return; }
    python3 - "$1" "$2" <<'EOF' || fail "summary $1: $2 does not hold: $(cat "$1")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
j = json.loads(lines[0])
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
EOF
}
docs() { "$bin/quire-index" --stats "$1" | awk '/^documents/ {print $2}'; }
committed() { local m=("$1"/manifest-*); [ ${#m[@]} -gt 0 ]; } # (nullglob is on)

# ---- 0: every input read and indexed
idx=$tmp/idx
x 0 --summary-json "$tmp/s0.json" "$idx" "${articles[@]}"
json "$tmp/s0.json" 'j["status"] == "ok" and j["exit"] == 0 and j["committed"] and j["generation"] == 1
    and j["added"] == 5 and j["replaced"] == 0 and j["skipped"] == 0 and j["skipped_inputs"] == []
    and j["error"] is None'
x 0 --quiet --summary-json - "$idx" "${articles[0]}"
printf '%s\n' "$out" >"$tmp/s1.json"
json "$tmp/s1.json" 'j["added"] == 0 and j["replaced"] == 1 and j["generation"] == 2'

# ---- 1: an input that does not exist; nothing created, nothing committed
x 1 --summary-json "$tmp/s2.json" "$tmp/new" /nonexistent/quire/path
has_err "quire-index: input /nonexistent/quire/path: no such file or directory"
has_err "--allow-missing"
[ -e "$tmp/new" ] && fail "a missing input created $tmp/new"
json "$tmp/s2.json" 'j["status"] == "failed" and j["exit"] == 1 and not j["committed"]
    and "no such file" in j["error"]'
x 1 "$idx" "${articles[1]}" /nonexistent/quire/path
[ "$(docs "$idx")" = 5 ] || fail "a failed run changed the index"

# ---- 3: --allow-missing skips it with a warning, the rest committed
x 3 --allow-missing --summary-json "$tmp/s3.json" "$tmp/new" /nonexistent/quire/path "${articles[2]}"
has_err "warning: /nonexistent/quire/path: No such file or directory"
printf '%s\n' "$out" | grep -q "^finished with warnings: 1 skipped (exit status 3)$" ||
    fail "no 'finished with warnings' line:"$'\n'"$out"
json "$tmp/s3.json" 'j["status"] == "warnings" and j["exit"] == 3 and j["committed"]
    and j["added"] == 1 and j["skipped"] == 1
    and j["skipped_inputs"] == [{"input": "/nonexistent/quire/path", "line": None,
                                 "reason": "No such file or directory"}]'
# ... but if that leaves nothing: a run that indexed nothing and skipped something fails
x 1 --allow-missing "$tmp/new2" /nonexistent/quire/path
has_err "no document was indexed from the 1 input (1 skipped"
committed "$tmp/new2" && fail "an empty run committed"

# ---- the 30-byte .txt.gz of the issue, cut after "just text,": skipped whole
gz=$data/inputs/truncated.txt.gz
x 1 "$tmp/gz" "$gz"
has_err "warning: $gz: truncated gzip stream; the document is skipped"
has_err "no document was indexed from the 1 input (1 skipped, 0.00 MB read)"
x 3 --summary-json "$tmp/s4.json" "$tmp/gz" "$gz" "${articles[4]}"
json "$tmp/s4.json" 'j["added"] == 1 and j["skipped"] == 1 and j["skipped_inputs"][0]["input"].endswith("truncated.txt.gz")
    and j["skipped_inputs"][0]["reason"] == "truncated gzip stream; the document is skipped"'
got=$("$bin/quire-query" "$tmp/gz" just 2>&1)
[ $? -eq 1 ] || fail "the cut document's text is searchable: $got"
"$bin/quire-query" --passages 0 "$tmp/gz" '"A title"' >/dev/null && fail "the cut document's title is searchable"
# --allow-empty commits a run that indexed nothing (here: an empty index)
x 3 --allow-empty "$tmp/gz-empty" "$gz"
[ "$(docs "$tmp/gz-empty")" = 0 ] || fail "--allow-empty: documents"

# ---- nothing indexed from inputs that had bytes: a binary file, a JSON Lines of blanks
printf '\n \n\n' >"$tmp/blank.jsonl"
x 1 "$tmp/bin" "$data/inputs/binary.bin"
has_err "binary file, skipped"
x 1 "$tmp/bin" "$tmp/blank.jsonl"
has_err "no document was indexed from the 1 input (0 skipped"
# ... while inputs without bytes are no error: an empty file, empty stdin
: >"$tmp/empty.jsonl"
x 0 "$tmp/empty" "$tmp/empty.jsonl"
x 0 "$tmp/empty" - </dev/null

# ---- 3: bad lines of a JSON Lines file, each listed with its line and reason
x 3 --summary-json "$tmp/s5.json" "$tmp/jl" "$data/inputs/docs.jsonl"
json "$tmp/s5.json" 'j["added"] == 4 and j["skipped"] == 4
    and [s["line"] for s in j["skipped_inputs"]] == [4, 5, 6, 8]
    and j["skipped_inputs"][0]["reason"] == "no \"id\", skipped"'
# an unreadable input: a file of mode 000 for a user, a dangling symlink for root
mkdir -p "$tmp/in"
cp "${articles[0]}" "$tmp/in/"
if [ "$(id -u)" -ne 0 ]; then
    printf 'secret\n' >"$tmp/in/unreadable.txt"
    chmod 000 "$tmp/in/unreadable.txt"
    x 3 "$tmp/unr" "$tmp/in"
    has_err "unreadable.txt: Permission denied"
fi
ln -s /nonexistent/quire "$tmp/in/dangling"
x 3 "$tmp/unr2" "$tmp/in"
has_err "dangling: No such file or directory"
# --stop-on-error: the first problem fails the run, nothing committed
x 1 --stop-on-error "$tmp/stop" "$tmp/in"
committed "$tmp/stop" && fail "--stop-on-error committed"
# --dry-run exits as the run would, and writes nothing
x 3 --dry-run --summary-json "$tmp/s6.json" "$tmp/dry" "$data/inputs/docs.jsonl"
[ -e "$tmp/dry" ] && fail "--dry-run wrote $tmp/dry"
json "$tmp/s6.json" 'j["dry_run"] and not j["committed"] and j["added"] == 4 and j["skipped"] == 4'

# ---- --delete of an id the index lacks: a warning, the real generation, exit 0
gen=$("$bin/quire-index" --stats "$idx" | sed -n 's/.*(generation \([0-9]*\),.*/\1/p')
[ "$gen" = 2 ] || fail "generation before --delete: '$gen'"
x 0 --summary-json "$tmp/s7.json" --delete nosuch "$idx"
has_err "warning: --delete nosuch: no document with this id in $idx"
printf '%s\n' "$out" | grep -q "^indexed 0 documents (0 skipped, 1 warnings) into $idx, generation 2 (nothing changed)$" ||
    fail "--delete nosuch: summary:"$'\n'"$out"
json "$tmp/s7.json" 'j["status"] == "ok" and not j["committed"] and j["generation"] == 2
    and j["delete_not_found"] == 1 and j["ids_not_found"] == ["nosuch"]'
x 0 --delete "${articles[3]}" --summary-json "$tmp/s8.json" "$idx"
json "$tmp/s8.json" 'j["committed"] and j["generation"] == 3 and j["deleted"] == 1'

# ---- --summary-json to a place that cannot be written: the run's own status is kept
# when it failed, a failure when it did not
x 1 --summary-json /nonexistent/dir/s.json "$idx" "${articles[0]}"
has_err "--summary-json /nonexistent/dir/s.json: No such file or directory"

# ---- --help documents the statuses
x 0 --help
for s in "  0  done" "  3  done with warnings" "  1  failed, nothing committed" "  2  bad usage"; do
    printf '%s\n' "$out" | grep -qF -- "$s" || fail "--help lacks '$s'"
done

[ "$failures" -eq 0 ] || exit 1
echo "exit_status: ok"
