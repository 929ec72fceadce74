#!/usr/bin/env python3
"""approx_threshold.py - the data behind the default closeness of approximate quotes
("..."~, query/approx.h): how close a perturbed rendering of a quote stays to it, and how
close unrelated text comes, on a real corpus.

For N quotes of LEN words cut from documents of CORPUS (JSON Lines, .gz or plain), each
rendered with k edits (k = 0..4: a word substituted by a random word of the corpus, a word
dropped, a random word inserted, in equal shares), quire-query --batch --format json
--closeness 0.3 -k 100 gives every document's closeness at or above 0.3. For each quote:

  source    the closeness of the document it was cut from, per k;
  unrelated the best closeness of any document to a quote of the same length cut from
            FOREIGN, another corpus (another outlet and decade: Reuters-21578 is 1987
            newswire, BBC News 2004-2005), so that no document renders it: within one
            newswire corpus, near-duplicate stories render each other's quotes.

It prints, per quote length, the share of sources found at each threshold (recall, per k)
and the share of quotes with an unrelated document at or above it (false renderings).

usage: approx_threshold.py [--seed S] [-n N] [--len A-B,...] QUIRE_QUERY INDEX CORPUS FOREIGN
"""
import argparse
import gzip
import json
import random
import re
import subprocess
import tempfile

WORD = re.compile(r"[A-Za-z]+")


def read(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                d = json.loads(line)
                yield d["id"], d.get("text") or ""


def run(qq, index, batch, extra):
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        for qid, q in batch:
            f.write(f"{qid}\t{q}\n")
        name = f.name
    out = subprocess.run([qq, "--batch", name, "--format", "json", "--passages", "0",
                          "--no-notes", "--no-close"] + extra + [index],
                         capture_output=True, text=True)
    if out.returncode == 2:
        raise SystemExit(out.stderr)
    hits = {}
    for line in out.stdout.splitlines():
        o = json.loads(line)
        if "rank" in o:
            hits.setdefault(o["qid"], []).append((o["id"], o["score"]))
    return hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--len", default="5-8,8-12,12-20")
    ap.add_argument("qq")
    ap.add_argument("index")
    ap.add_argument("corpus")
    ap.add_argument("foreign")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    docs = [(i, WORD.findall(t)) for i, t in read(a.corpus)]
    docs = [(i, w) for i, w in docs if len(w) >= 30]
    foreign = [w for _, w in read(a.foreign)]
    foreign = [w for w in (WORD.findall(t) for t in foreign) if len(w) >= 30]
    vocab = [w for _, ws in rnd.sample(docs, min(500, len(docs))) for w in ws]
    thresholds = [0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8]
    for spec in a.len.split(","):
        lo, hi = map(int, spec.split("-"))
        approx, unrelated, meta = [], [], {}
        for n in range(a.n):
            src, words = rnd.choice(docs)
            m = rnd.randint(lo, hi)
            s = rnd.randrange(len(words) - m)
            quote = words[s:s + m]
            fw = rnd.choice(foreign)
            fs = rnd.randrange(len(fw) - m)
            unrelated.append((f"u{n}", '"' + " ".join(fw[fs:fs + m]) + '"~'))
            for k in range(5):
                w = list(quote)
                for _ in range(k):
                    op = rnd.randrange(3)
                    at = rnd.randrange(len(w))
                    if op == 0:
                        w[at] = rnd.choice(vocab)
                    elif op == 1 and len(w) > 2:
                        del w[at]
                    else:
                        w.insert(at, rnd.choice(vocab))
                approx.append((f"a{n}-{k}", '"' + " ".join(w) + '"~'))
            meta[n] = src
        found = run(a.qq, a.index, approx, ["-k", "100", "--closeness", "0.3"])
        other = run(a.qq, a.index, unrelated, ["-k", "1", "--closeness", "0.3"])
        print(f"quotes of {lo}-{hi} words ({a.n} quotes; seed {a.seed})")
        print("| threshold | " + " | ".join(f"source found, {k} edits" for k in range(5)) +
              " | a foreign quote finds a document |")
        print("|---|" + "---|" * 6)
        for t in thresholds:
            rec = []
            for k in range(5):
                ok = sum(1 for n in range(a.n)
                         if any(i == meta[n] and sc >= t - 1e-9
                                for i, sc in found.get(f"a{n}-{k}", [])))
                rec.append(f"{100 * ok / a.n:.0f}%")
            false = sum(1 for n in range(a.n)
                        if max([sc for _, sc in other.get(f"u{n}", [])], default=0) >= t - 1e-9)
            print(f"| {t} | " + " | ".join(rec) + f" | {100 * false / a.n:.0f}% |")
        print()


if __name__ == "__main__":
    main()
