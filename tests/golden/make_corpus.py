#!/usr/bin/env python3
"""make_corpus.py - writes the two JSON Lines files the golden indexes are built from
(tests/golden/README.md): part1.jsonl (documents g000..g199) and part2.jsonl
(g200..g299, and a new version of g010). Deterministic: every fact the golden test
checks follows from these formulas, not from the indexer.

Document i (0..299):
  title  "Golden document i" (+ " Café" when i % 50 == 0)
  date   2020-01-01 + i days
  text   "alpha" x (i % 5 + 1), then "beta" if i is even, "gamma" if i % 3 == 0,
         "delta" if i % 7 == 0, then "w<i % 17>", then "alpha beta" once more if
         i % 10 == 0, then "Russia’s stance" if i % 25 == 0, ending with "."; document 123
         also holds 300 words "pos<k % 3>" (a term with more than 128 positions in one
         document, so position chunks hold several groups).
The new g010 (in part2): "replaced text alpha omega".
"""
import datetime
import json
import os

here = os.path.dirname(os.path.abspath(__file__))


def doc(i):
    words = ["alpha"] * (i % 5 + 1)
    if i % 2 == 0:
        words.append("beta")
    if i % 3 == 0:
        words.append("gamma")
    if i % 7 == 0:
        words.append("delta")
    words.append("w%d" % (i % 17))
    if i % 10 == 0:
        words += ["alpha", "beta"]
    if i % 25 == 0:
        words += ["Russia\u2019s", "stance"]
    if i == 123:
        words += ["pos%d" % (k % 3) for k in range(300)]
    title = "Golden document %d" % i + (" Caf\u00e9" if i % 50 == 0 else "")
    date = datetime.date(2020, 1, 1) + datetime.timedelta(days=i)
    return {"id": "g%03d" % i, "title": title, "date": date.isoformat(),
            "text": " ".join(words) + "."}


def write(name, docs):
    with open(os.path.join(here, name), "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


write("part1.jsonl", [doc(i) for i in range(200)])
write("part2.jsonl", [doc(i) for i in range(200, 300)] +
      [{"id": "g010", "title": "Golden document 10 again", "date": "2021-06-01",
        "text": "replaced text alpha omega"}])
