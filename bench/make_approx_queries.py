#!/usr/bin/env python3
"""make_approx_queries.py - seeded query sets for approximate quotes and fuzzy words
(bench/run_approx_bench.sh), taken from a corpus (JSON Lines, .gz or plain):

  OUT.approx.tsv  approx-NNN  "w1 ... wm"~   m = 5..30 words of a document's text, with
                  0-3 edits (a word substituted by another word of the corpus, dropped,
                  or a word inserted): renderings of a quote
  OUT.exact.tsv   approx-NNN  "w1 ... wm"    the same quotes unedited, exact
  OUT.fuzzy.tsv   fuzzy-NNN   w~             a title word of 5-12 letters, re-spelled with
                  one edit two times in three (a letter substituted, dropped, doubled or
                  two swapped)
  OUT.names.tsv   names-NNN   W              a rare title word (as make_queries.py's rare
                  class) typed with a capital, which quire-query notes (variants within
                  distance 1); OUT.lower.tsv the same words in lower case, which it does not

Words are ASCII letters only, as in make_queries.py.

usage: make_approx_queries.py [--seed S] [-n N] CORPUS OUT
"""
import argparse
import gzip
import json
import random
import re
from collections import Counter

WORD = re.compile(r"[A-Za-z]+")


def read(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                d = json.loads(line)
                yield d.get("title") or "", d.get("text") or ""


def respell(w, rnd):
    i = rnd.randrange(len(w))
    op = rnd.randrange(4)
    if op == 0:
        return w[:i] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + w[i + 1:]
    if op == 1 and len(w) > 5:
        return w[:i] + w[i + 1:]
    if op == 2:
        return w[:i] + w[i] + w[i:]
    if i + 1 < len(w):
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    return w + w[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("corpus")
    ap.add_argument("out")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    docs, titles, df = [], [], Counter()
    for title, text in read(a.corpus):
        words = WORD.findall(text)
        if len(words) >= 40:
            docs.append(words)
        tw = [w.lower() for w in WORD.findall(title)]
        titles.append(tw)
        df.update(set(w.lower() for w in words) | set(tw))
    n_docs = len(titles)
    vocab = [w.lower() for ws in rnd.sample(docs, min(1000, len(docs))) for w in ws]
    head = f"# make_approx_queries.py --seed {a.seed} -n {a.n}: {n_docs} documents\n"
    with open(a.out + ".approx.tsv", "w") as fa, open(a.out + ".exact.tsv", "w") as fe:
        fa.write(head)
        fe.write(head)
        for n in range(a.n):
            words = rnd.choice(docs)
            m = rnd.randint(5, 30)
            if m > len(words):
                m = len(words)
            s = rnd.randrange(len(words) - m + 1)
            quote = [w.lower() for w in words[s:s + m]]
            edited = list(quote)
            for _ in range(rnd.randrange(4)):
                op, at = rnd.randrange(3), rnd.randrange(len(edited))
                if op == 0:
                    edited[at] = rnd.choice(vocab)
                elif op == 1 and len(edited) > 5:
                    del edited[at]
                else:
                    edited.insert(at, rnd.choice(vocab))
            fa.write(f"approx-{n + 1:03d}\t\"{' '.join(edited)}\"~\n")
            fe.write(f"approx-{n + 1:03d}\t\"{' '.join(quote)}\"\n")
    pool = sorted({w for t in titles for w in t if 5 <= len(w) <= 12})
    with open(a.out + ".fuzzy.tsv", "w") as f:
        f.write(head)
        for n in range(a.n):
            w = rnd.choice(pool)
            if rnd.randrange(3) > 0:
                w = respell(w, rnd)
            f.write(f"fuzzy-{n + 1:03d}\t{w}~\n")
    hi = max(10, n_docs // 1000)
    rare = sorted({w for t in titles for w in t if 2 <= df[w] <= hi and len(w) >= 4})
    picked = [rnd.choice(rare) for _ in range(a.n)]
    with open(a.out + ".names.tsv", "w") as fn, open(a.out + ".lower.tsv", "w") as fl:
        fn.write(head)
        fl.write(head)
        for n, w in enumerate(picked):
            fn.write(f"names-{n + 1:03d}\t{w.capitalize()}\n")
            fl.write(f"names-{n + 1:03d}\t{w}\n")


if __name__ == "__main__":
    main()
