#!/usr/bin/env python3
"""latency_stats.py - per-class query latency from the --timings files of several runs.

  latency_stats.py --title T --dat FILE ENGINE=RUN[,RUN...]:TIMINGS[,TIMINGS...] ...

TIMINGS files hold 'qid<TAB>microseconds' (quire-query --timings, xapian_search,
fts5_search); qids are CLASS-NNN (make_queries.py). A query's latency is the median of its
timings over the runs given; per class, p50/p95/p99 are nearest-rank percentiles of those
medians (the value at rank ceil(p/100 * n) of the n sorted medians). RUN is the engine's
TREC run (or quire's JSON lines), used to count the queries of each class that found something. Prints a Markdown
table with each peer's p50 divided by quire's (the speed-up: above 1, quire is faster), and
appends 'title class engine p50 p95 p99' lines (ms) to the --dat file for the plots.
"""
import argparse
import json
import math
import statistics
from collections import defaultdict

CLASSES = ["rare", "and", "or", "phrase", "quote", "near", "nearx", "prefix", "or+passages",
           "phrase+passages"]
NAMES = {"quire": "quire", "xapian": "Xapian", "fts5": "FTS5"}


def pct(sorted_v, p):
    return sorted_v[max(0, math.ceil(p / 100 * len(sorted_v)) - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--title", required=True)
    ap.add_argument("--dat")
    ap.add_argument("engines", nargs="+")
    a = ap.parse_args()
    stats = {}  # engine -> class -> (n, p50, p95, p99, hits)
    order = []
    for spec in a.engines:
        eng, rest = spec.split("=", 1)
        run, timings = rest.split(":", 1)
        order.append(eng)
        per_q = defaultdict(list)
        for path in timings.split(","):
            with open(path) as f:
                for line in f:
                    qid, us = line.split("\t")
                    per_q[qid].append(float(us) / 1000.0)
        hits = set()
        for path in run.split(","):
            with open(path) as f:
                for line in f:
                    if line.startswith("{"):  # quire-query --format json
                        o = json.loads(line)
                        if "rank" in o:  # a hit, not the line about the query
                            hits.add(o["qid"])
                    else:
                        hits.add(line.split(" ", 1)[0])
        by_class = defaultdict(list)
        for qid, v in per_q.items():
            by_class[qid.rsplit("-", 1)[0]].append(statistics.median(v))
        stats[eng] = {}
        for c, v in by_class.items():
            v.sort()
            nh = sum(1 for q in per_q if q.rsplit("-", 1)[0] == c and q in hits)
            stats[eng][c] = (len(v), pct(v, 50), pct(v, 95), pct(v, 99), nh)
    classes = [c for c in CLASSES if any(c in stats[e] for e in order)]
    classes += sorted(set(c for e in order for c in stats[e]) - set(classes))
    peers = [e for e in order if e != "quire"]
    print(f"### {a.title}")
    print()
    head = "| class | queries |"
    for e in order:
        head += f" {NAMES.get(e, e)} p50 / p95 / p99 ms |"
    for p in peers:
        head += f" {NAMES.get(p, p)} p50 / quire p50 |"
    head += " queries with hits (" + " / ".join(NAMES.get(e, e) for e in order) + ") |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for c in classes:
        n = max(stats[e].get(c, (0,))[0] for e in order)
        row = f"| {c} | {n} |"
        for e in order:
            s = stats[e].get(c)
            row += f" {s[1]:.3f} / {s[2]:.3f} / {s[3]:.3f} |" if s else " - |"
        for p in peers:
            q, s = stats.get("quire", {}).get(c), stats[p].get(c)
            row += f" **{s[1] / q[1]:.2f}x** |" if q and s and q[1] > 0 else " - |"
        row += " " + " / ".join(str(stats[e][c][4]) if c in stats[e] else "-" for e in order) + " |"
        print(row)
    print()
    if a.dat:
        with open(a.dat, "a") as f:
            for c in classes:
                for e in order:
                    s = stats[e].get(c)
                    if s:
                        f.write(f"{a.title.split(':')[0].replace(' ', '_')} {c} {e} "
                                f"{s[1]:.4f} {s[2]:.4f} {s[3]:.4f}\n")


if __name__ == "__main__":
    main()
