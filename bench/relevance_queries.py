#!/usr/bin/env python3
"""relevance_queries.py - the natural-language queries of a test collection (queries.tsv:
qid<TAB>text), written once per engine as the same bag of words, with nothing left that
any of the three engines would read as an operator:

  * the text is lower-cased (so AND, OR, NOT, NEAR are words, not operators, everywhere);
  * every character that is not a letter, a digit or an apostrophe (' or U+2019) becomes a
    space: quotes, parentheses, -, +, *, :, ~, / ... (a '.' or ',' between two digits is
    kept: 1,000 and 3.5 stay whole, as the analyzers keep them);
  * a word is then passed on as it is; each engine's own analyzer cuts and stems it.

  OUT.quire.tsv   w1 w2 w3            (run with quire-query --any: ranked OR)
  OUT.xapian.tsv  w1 w2 w3            (QueryParser, default operator OR)
  OUT.fts5.tsv    "w1" OR "w2" OR "w3"  (FTS5: each word quoted, so it is never syntax)

usage: relevance_queries.py QUERIES.tsv OUT
"""
import re
import sys

KEEP = re.compile(r"(?<=\d)[.,](?=\d)|[^\W_]|['\u2019]")


def words(text):
    text = text.lower()
    out = [c if KEEP.match(text, i) else " " for i, c in enumerate(text)]
    return "".join(out).split()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    src, out = sys.argv[1], sys.argv[2]
    files = {e: open(f"{out}.{e}.tsv", "w", encoding="utf-8") for e in ("quire", "xapian", "fts5")}
    with open(src, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            qid, sep, text = line.partition("\t")
            if not sep:
                sys.exit(f"{src}:{n}: no tab between query id and query")
            w = words(text)
            if not w:
                print(f"{src}:{n}: query {qid} has no words; left out", file=sys.stderr)
                continue
            files["quire"].write(f"{qid}\t{' '.join(w)}\n")
            files["xapian"].write(f"{qid}\t{' '.join(w)}\n")
            fts = " OR ".join('"' + x.replace('"', '""') + '"' for x in w)
            files["fts5"].write(f"{qid}\t{fts}\n")
    for f in files.values():
        f.close()


if __name__ == "__main__":
    main()
