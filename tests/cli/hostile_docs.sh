#!/bin/bash
# hostile_docs.sh - documents built to hurt (issue #6), each indexed correctly or skipped
# with a clear warning naming the file (and line), never a crash, a hang or a lost index:
# invalid UTF-8, NUL bytes (raw and escaped), a 64 MB single line, a document of 10
# million tokens, a 100 KB word, only combining marks, right-to-left text, emoji, paths
# with spaces and newlines, unreadable entries (a fifo, a dangling symlink, mode 000 when
# not root), symlink loops, JSON Lines with broken lines and 200,000-deep nesting,
# truncated gzip. After each run the index verifies and the right documents are found.
# (A 1 GB single line was indexed by hand: tests/fuzz/README.md "Hostile inputs by hand".)
# quire-index runs under `ulimit -t` (and `ulimit -v` outside sanitizer builds).
set -u

bin=${QUIRE_BINARY_DIR:?QUIRE_BINARY_DIR must be set (run through ctest)}
tmp=$(mktemp -d /tmp/quire-hostile-docs-XXXXXX)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

failures=0
fail() { echo "hostile_docs: FAIL: $*" >&2; failures=$((failures + 1)); }
[ -x "$bin/quire-index" ] || { echo "hostile_docs: SKIPPED: $bin/quire-index not built"; exit 0; }
[ -x "$bin/quire-query" ] || { echo "hostile_docs: $bin/quire-query not built" >&2; exit 1; }

cpu_limit=600      # CPU seconds per command (the 64 MB line takes about 10 under ASan)
mem_limit=4000000  # KiB of address space, when the build allows a limit
if ! (ulimit -v $mem_limit && "$bin/quire-query" --help >/dev/null 2>&1) 2>/dev/null; then
    mem_limit=unlimited # ASan reserves its shadow memory up front
fi

# index WANT_STATUS INDEX ARGS...: quire-index under the limits, stderr in $tmp/warn
index() {
    local want=$1 idx=$2
    shift 2
    (ulimit -t $cpu_limit -v $mem_limit && exec timeout 900 "$bin/quire-index" --quiet \
        --memory 512M "$idx" "$@") >"$tmp/out" 2>"$tmp/warn"
    local got=$?
    [ "$got" -eq "$want" ] || fail "quire-index $idx $*: exit $got, want $want: $(head -c 500 "$tmp/warn")"
}
# warned TEXT: quire-index's warnings say TEXT
warned() { grep -qF -- "$1" "$tmp/warn" || fail "no warning '$1' in: $(head -c 1500 "$tmp/warn")"; }
# verify INDEX: --verify passes
verify() {
    "$bin/quire-index" --verify "$1" >"$tmp/verify" 2>&1 || fail "--verify $1: $(head -c 500 "$tmp/verify")"
}
# docs INDEX N: the index holds N documents
docs() {
    local n
    n=$("$bin/quire-index" --stats "$1" | awk '$1 == "documents" {print $2; exit}')
    [ "$n" = "$2" ] || fail "$1 holds $n documents, want $2"
}
# found INDEX N QUERY...: --count says N matching documents
found() {
    local idx=$1 n=$2
    shift 2
    local out
    out=$( (ulimit -t $cpu_limit -v $mem_limit && exec "$bin/quire-query" --count "$idx" "$@") 2>&1)
    case "$out" in
    "$n matching document"*) ;;
    *) fail "quire-query --count $idx $*: '$out', want $n matching" ;;
    esac
}

# ---- small hostile files, one folder, one run
in=$tmp/in
mkdir -p "$in/dir with spaces"
printf 'hello bad \xff\xfe bytes \xc3 world\n' >"$in/invalid.txt"
printf 'caf\xc3\xa9 damaged \xff\xfe bytes \xc3 words\n' >"$in/damaged.txt"
printf 'nul\0bytes in the first block\n' >"$in/nul.txt"
printf '{"id":"n1","text":"before\\u0000after nulword"}\n{"id":"n2\\u0000x","text":"idnul"}\n' \
    >"$in/escaped-nul.jsonl"
{ for i in $(seq 1 300); do printf '{"id":"f%d","text":"filler line number %d"}\n' "$i" "$i"; done
  printf '{"id":"raw","text":"raw \0 nul"}\n{"id":"ok","text":"after rawnul"}\n'; } >"$in/late-nul.jsonl"
mkfifo "$in/fifo"
ln -s loop1 "$in/loop2"
ln -s loop2 "$in/loop1"
ln -s . "$in/self"
ln -s /nonexistent/quire "$in/dangling"
printf 'title line\nnewlinename in the text\n' >"$in/a b
c.txt"
printf 'spacename here\n' >"$in/dir with spaces/file name.txt"
{ printf 'bigword '; head -c 100000 /dev/zero | tr '\0' 'x'; printf ' tail\n'; } >"$in/bigword.txt"
printf '\xcc\x81\xcc\x82\xcc\x83\xcd\x85\xcc\x81\xcc\x81 \xcc\x88\xcc\x88\n' >"$in/marks.txt"
printf '\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd7\xa2\xd7\x95\xd7\x9c\xd7\x9d \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xe2\x80\x8fright\xe2\x80\x8f\n' >"$in/rtl.txt"
printf 'party \xf0\x9f\x8e\x89\xf0\x9f\x8e\x89 time \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 family\xf0\x9f\x98\x80joined\n' >"$in/emoji.txt"
printf '\xf0\x9f\x98\x80\xf0\x9f\x98\x80\n' >"$in/only-emoji.txt"
printf '{"id":"j1","text":"first good line"}\n{"id":"j2","text":"broken\n{"id":"j3","text":"third good line"}\n{"id":"j4" "text":"x"}\n\n{"id":"j5","text":"fifth \\ud800 lone surrogate"}\n{"id":"j6","text":"last line without newline"}' >"$in/broken.jsonl"
{ printf '{"id":"deep","text":"nested deep","x":'; head -c 200000 /dev/zero | tr '\0' '['
  head -c 200000 /dev/zero | tr '\0' ']'; printf '}\n{"id":"after","text":"after the deep one"}\n'; } >"$in/deep.jsonl"
unreadable=0
if [ "$(id -u)" -ne 0 ]; then
    printf 'secret words\n' >"$in/unreadable.txt"
    chmod 000 "$in/unreadable.txt"
    unreadable=1
else
    echo "hostile_docs: note: running as root, which reads mode-000 files: the fifo and the dangling symlink stand for unreadable files"
fi

# exit 3: files and lines skipped, the rest committed
index 3 "$tmp/idx" "$in"
# not UTF-8 and no valid multi-byte sequence: read as cp1252 (README "Encodings") ...
warned "$in/invalid.txt: not UTF-8, read as cp1252"
# ... but UTF-8 with damage keeps its valid characters, the invalid bytes replaced
warned "$in/damaged.txt: document $in/damaged.txt: 2 invalid UTF-8 sequences replaced by U+FFFD"
warned "$in/nul.txt: binary file, skipped"
warned "$in/late-nul.jsonl:301: control character in string"
warned "$in/fifo: not a regular file, skipped"
warned "$in/loop1: Too many levels of symbolic links"
warned "$in/loop2: Too many levels of symbolic links"
warned "$in/self: symlink loop, folder skipped"
warned "$in/dangling: No such file or directory"
warned "$in/broken.jsonl:2: unterminated string"
warned "$in/broken.jsonl:4: expected ',' or '}'"
warned "$in/deep.jsonl:1: nesting too deep"
[ $unreadable -eq 0 ] || warned "$in/unreadable.txt: Permission denied"
verify "$tmp/idx"
# invalid 1, damaged 1, escaped-nul 2, late-nul 301, a b\nc 1, spaces 1, bigword 1, marks 1,
# rtl 1, emoji 2, broken 4, deep 1
docs "$tmp/idx" 317
found "$tmp/idx" 1 hello world
found "$tmp/idx" 1 $'\xc3\xbf\xc3\xbe' # the bytes 0xff 0xfe of invalid.txt in cp1252: ÿþ
found "$tmp/idx" 1 $'caf\xc3\xa9' damaged words
found "$tmp/idx" 1 nulword
found "$tmp/idx" 1 idnul
"$bin/quire-query" --format json "$tmp/idx" idnul | grep -qF '"id":"n2\u0000x"' ||
    fail "the id with an escaped NUL is not given back whole"
found "$tmp/idx" 300 filler
found "$tmp/idx" 1 rawnul
found "$tmp/idx" 1 newlinename
"$bin/quire-query" --format json "$tmp/idx" newlinename | grep -qF 'a b\u000ac.txt"' ||
    fail "the path with a newline is not its id"
found "$tmp/idx" 1 spacename
found "$tmp/idx" 1 bigword tail
found "$tmp/idx" 1 "$(head -c 300 /dev/zero | tr '\0' 'x')" # cut as the document's word was
found "$tmp/idx" 1 'xx*'
found "$tmp/idx" 1 $'\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d'
found "$tmp/idx" 1 $'\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7' right
found "$tmp/idx" 1 party time family joined
found "$tmp/idx" 1 first
found "$tmp/idx" 1 third
found "$tmp/idx" 1 fifth surrogate
found "$tmp/idx" 1 last
found "$tmp/idx" 0 broken
found "$tmp/idx" 1 after deep
"$bin/quire-query" "$tmp/idx" $'\xcc\x81\xcc\x82' >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "empty query" "$tmp/err" || fail "a query of combining marks only: $(cat "$tmp/err")"
# --stop-on-error: the first bad input ends the run and nothing is committed
index 1 "$tmp/stop" --stop-on-error "$in/broken.jsonl"
warned "broken.jsonl:2: unterminated string"
ls "$tmp/stop"/manifest-* >/dev/null 2>&1 && fail "--stop-on-error committed a manifest"

# ---- truncated gzip: what came before the cut is indexed, the cut is named
printf '{"id":"g1","text":"gzipped first"}\n' | gzip -n | head -c 25 >"$tmp/cut-early.jsonl.gz"
for i in $(seq 1 5000); do printf '{"id":"z%d","text":"zfiller words %d and more words"}\n' "$i" "$i"; done |
    gzip -n >"$tmp/whole.jsonl.gz"
head -c $(($(stat -c %s "$tmp/whole.jsonl.gz") / 2)) "$tmp/whole.jsonl.gz" >"$tmp/cut-half.jsonl.gz"
index 3 "$tmp/gz" "$tmp/cut-early.jsonl.gz" "$tmp/cut-half.jsonl.gz"
warned "$tmp/cut-early.jsonl.gz: truncated gzip stream"
warned "$tmp/cut-half.jsonl.gz: truncated gzip stream"
verify "$tmp/gz"
found "$tmp/gz" 0 gzipped
n=$("$bin/quire-query" --count "$tmp/gz" zfiller | awk '{print $1}')
{ [ "$n" -gt 1000 ] && [ "$n" -lt 5000 ]; } || fail "half a gzip stream gave $n of 5000 documents"

# ---- a 64 MB single line (1 GB by hand), then a document of 10 million tokens
{ printf 'startword '; yes 'lorem ipsum dolor sit amet consectetur' | head -c 67108864 | tr '\n' ' '
  printf ' finalword\n'; } >"$tmp/long-line.txt"
index 0 "$tmp/long" "$tmp/long-line.txt"
verify "$tmp/long"
docs "$tmp/long" 1
found "$tmp/long" 1 startword finalword
# the line holds 67108864 / 39 = 1720740 whole repetitions (the last cut): exact counts
"$bin/quire-query" --count "$tmp/long" '"consectetur lorem ipsum"' >"$tmp/count"
grep -qx '1 matching document, 1720739 occurrences' "$tmp/count" ||
    fail "phrase count over the 64 MB line: $(cat "$tmp/count")"
# a document is analysed whole (~5.3 bytes of memory per byte of text: 338 MB for this
# line), so under a budget too small for it, it is skipped with a warning that says why
# (the run then indexed nothing: an error, unless --allow-empty)
index 1 "$tmp/long64" --memory 64M "$tmp/long-line.txt"
warned "bytes, skipped (a document is analysed whole"
warned "a sixth of --memory)"
warned "no document was indexed from the 1 input (1 skipped"
index 3 "$tmp/long64" --memory 64M --allow-empty "$tmp/long-line.txt"
docs "$tmp/long64" 0
rm -rf "$tmp/long" "$tmp/long64" "$tmp/long-line.txt"

{ printf '{"id":"ten-million","text":"'; yes 'a b c d e f g h i j' | head -n 1000000 | tr '\n' ' '
  printf 'lastword"}\n'; } >"$tmp/ten-million.jsonl"
index 0 "$tmp/tokens" "$tmp/ten-million.jsonl"
verify "$tmp/tokens"
tokens=$("$bin/quire-index" --stats "$tmp/tokens" | awk '$1 == "tokens" {print $2}')
[ "$tokens" = 10000001 ] || fail "the 10-million-token document has $tokens tokens"
"$bin/quire-query" --count "$tmp/tokens" '"j a"' >"$tmp/count"
grep -qx '1 matching document, 999999 occurrences' "$tmp/count" ||
    fail "phrase count over 10 million tokens: $(cat "$tmp/count")"
found "$tmp/tokens" 1 '"i j lastword"'

if [ $failures -gt 0 ]; then
    echo "hostile_docs: $failures failure(s)" >&2
    exit 1
fi
echo "hostile_docs: ok"
