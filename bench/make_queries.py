#!/usr/bin/env python3
"""make_queries.py - seeded query sets for the latency benchmark, taken from a corpus
(JSON Lines, .gz or plain; id, title, text), written for quire and in each peer's syntax:

  OUT.quire.tsv  OUT.xapian.tsv  OUT.fts5.tsv     qid<TAB>query, qid = CLASS-NNN

The same query has the same qid in the three files. Classes (N queries each):

  rare    one word of a title whose document frequency is 2 .. max(10, docs/1000)
            quire: w               Xapian: w                  FTS5: "w"
  and     2 or 3 common words (df >= docs/200, no stopword) of one title, all required
            quire: w1 w2           Xapian: w1 AND w2          FTS5: "w1" AND "w2"
  or      the same kind of words, ranked OR
            quire: w1 OR w2        Xapian: w1 OR w2           FTS5: "w1" OR "w2"
  phrase  2-4 adjacent words of a document's text (letters only, separated by spaces)
            quire: "w1 w2 w3"      Xapian: "w1 w2 w3"         FTS5: "w1 w2 w3"
  quote   8-12 adjacent words of a document's text (spaces or ', ' between them)
            same forms as phrase
  near    two words of one document's text with 1-5 words between them, n = 5
            quire: w1 NEAR/5 w2    Xapian: w1 NEAR/6 w2       FTS5: NEAR("w1" "w2", 5)
            (quire's NEAR/n and FTS5's allow n words between; Xapian's NEAR/n means
            positions less than n apart: checked on a three-document corpus)
  prefix  the first 4-5 letters of a title word of 6+ letters, the prefix starting at most
          300 distinct words of the corpus (quire refuses more than 1024 forms)
            quire: pre*            Xapian: pre* (FLAG_WILDCARD)  FTS5: pre*

Words are ASCII letters only ([A-Za-z]+, lower-cased for quire/Xapian/FTS5 alike; in
phrases, quotes and NEAR at least 2 letters and not part of an abbreviation like U.S.), so
the three analyzers cut them the same way. Matching differs where the engines differ: quire's
phrases match exact forms, stems for words and NEAR; Xapian's phrases and NEAR exact forms
(STEM_SOME keeps positions for unstemmed terms only); FTS5 indexes Porter stems only.

usage: make_queries.py [--seed S] [-n N] CORPUS OUT
"""
import argparse
import gzip
import json
import random
import re
from collections import Counter

WORD = re.compile(r"[A-Za-z]+")
TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")  # roughly what the analyzers call a word
STOP = set("""a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down during each few
for from further had has have having he her here hers him his how i if in into is it its itself
just me more most my no nor not now of off on once only or other our out over own same she
should so some such than that the their them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you
your said says mr mrs ms new""".split())


def read(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                d = json.loads(line)
                yield d.get("title") or "", d.get("text") or ""


def plain(text, t):
    """Token t of text is a word every analyzer cuts alike: 2+ ASCII letters, not part of
    an abbreviation such as U.S. or L.F. (Xapian reads those as one word)."""
    w, a, b = t.group(), t.start(), t.end()
    if len(w) < 2 or not WORD.fullmatch(w):
        return False
    if text[b:b + 1] == "." and text[b + 1:b + 2].isalpha():
        return False
    if a >= 2 and text[a - 1] == "." and text[a - 2].isalpha():
        return False
    return True


def spans(text, lo, hi, commas, rng):
    """A random run of lo..hi letter-only words of text, adjacent (only ' ' or '\\n' between
    them; ', ' too if commas), as the list of words and the joiner used; or None."""
    toks = list(TOKEN.finditer(text))
    if len(toks) < hi + 2:
        return None
    for _ in range(20):
        n = rng.randint(lo, hi)
        i = rng.randrange(0, len(toks) - n)
        run = toks[i:i + n]
        ok = all(plain(text, t) for t in run)
        if ok:
            for a, b in zip(run, run[1:]):
                gap = text[a.end():b.start()]
                if not (gap in (" ", "\n") or (commas and gap == ", ")):
                    ok = False
                    break
        if ok:
            return [t.group().lower() for t in run]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("corpus")
    ap.add_argument("out")
    a = ap.parse_args()
    rng = random.Random(a.seed)

    docs = []  # (title, text)
    df = Counter()
    for title, text in read(a.corpus):
        docs.append((title, text))
        df.update(set(w.lower() for w in TOKEN.findall(title + " " + text)))
    ndocs = len(docs)
    vocab = sorted(w for w in df if WORD.fullmatch(w))
    rare_max = max(10, ndocs // 1000)
    common_min = max(2, ndocs // 200)
    titled = [i for i, (t, _) in enumerate(docs) if t]
    texted = [i for i, (_, x) in enumerate(docs) if len(x) > 200]

    def title_words(i):
        return [w.lower() for w in WORD.findall(docs[i][0])]

    out = {"rare": [], "and": [], "or": [], "phrase": [], "quote": [], "near": [], "prefix": []}
    seen = set()

    def add(cls, q, x, f):
        if (cls, q) in seen:
            return False
        seen.add((cls, q))
        out[cls].append((q, x, f))
        return True

    n = a.n
    while len(out["rare"]) < n:
        ws = [w for w in title_words(rng.choice(titled)) if 2 <= df[w] <= rare_max]
        if ws:
            w = rng.choice(ws)
            add("rare", w, w, f'"{w}"')
    while len(out["and"]) < n or len(out["or"]) < n:
        ws = sorted(set(w for w in title_words(rng.choice(titled))
                        if df[w] >= common_min and w not in STOP and len(w) > 2))
        if len(ws) < 2:
            continue
        ws = rng.sample(ws, min(len(ws), rng.choice((2, 3))))
        cls = "and" if len(out["and"]) < n and (len(out["or"]) >= n or rng.random() < 0.5) else "or"
        if cls == "and":
            add("and", " ".join(ws), " AND ".join(ws), " AND ".join(f'"{w}"' for w in ws))
        else:
            add("or", " OR ".join(ws), " OR ".join(ws), " OR ".join(f'"{w}"' for w in ws))
    for cls, lo, hi, commas in (("phrase", 2, 4, False), ("quote", 8, 12, True)):
        while len(out[cls]) < n:
            ws = spans(docs[rng.choice(texted)][1], lo, hi, commas, rng)
            if ws:
                p = " ".join(ws)
                add(cls, f'"{p}"', f'"{p}"', f'"{p}"')
    while len(out["near"]) < n:
        text = docs[rng.choice(texted)][1]
        toks = list(TOKEN.finditer(text))
        if len(toks) < 10:
            continue
        i = rng.randrange(0, len(toks) - 7)
        j = i + rng.randint(2, 6)  # 1..5 words between
        w1, w2 = toks[i].group().lower(), toks[j].group().lower()
        if (plain(text, toks[i]) and plain(text, toks[j]) and w1 != w2 and w1 not in STOP
                and w2 not in STOP):
            add("near", f"{w1} NEAR/5 {w2}", f"{w1} NEAR/6 {w2}", f'NEAR("{w1}" "{w2}", 5)')
    import bisect
    while len(out["prefix"]) < n:
        ws = [w for w in title_words(rng.choice(titled)) if len(w) >= 6]
        if not ws:
            continue
        p = rng.choice(ws)[:rng.choice((4, 5))]
        lo = bisect.bisect_left(vocab, p)
        hi = bisect.bisect_left(vocab, p + "\x7f")
        if 2 <= hi - lo <= 300:
            add("prefix", f"{p}*", f"{p}*", f"{p}*")

    files = {e: open(f"{a.out}.{e}.tsv", "w", encoding="utf-8") for e in ("quire", "xapian", "fts5")}
    for f in files.values():
        f.write(f"# make_queries.py --seed {a.seed} -n {n} {a.corpus.split('/')[-2]}: "
                f"{ndocs} documents\n")
    for cls, qs in out.items():
        for k, (q, x, f5) in enumerate(qs, 1):
            qid = f"{cls}-{k:03d}"
            files["quire"].write(f"{qid}\t{q}\n")
            files["xapian"].write(f"{qid}\t{x}\n")
            files["fts5"].write(f"{qid}\t{f5}\n")
    for f in files.values():
        f.close()


if __name__ == "__main__":
    main()
