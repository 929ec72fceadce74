#!/usr/bin/env python3
"""loco.py - leave-one-collection-out choice of quire's ranking defaults and options.

Reads lines `group<TAB>candidate<TAB>collection<TAB>nDCG@10` (bench/run_loco.sh writes
them) and, for each group of candidates (the values a default or an option's parameter
may take, listed in an order fixed before any was measured), prints in Markdown:

  * every candidate's nDCG@10 on every collection and its mean;
  * the leave-one-collection-out choice: for each collection C, the candidate with the
    best mean nDCG@10 over the *other* collections (a tie goes to the one listed first),
    and that candidate's figure on C, which C had no say in; and their mean (the honest
    estimate of what choosing this way gives on a collection not seen);
  * whether every fold chose the same candidate: only then is it a default chosen
    without the collection being reported.

usage: loco.py DATA [GROUP...]   (default: every group, in the order they appear)
"""
import sys
from collections import OrderedDict


def load(path):
    groups = OrderedDict()
    colls = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            sys.exit(f"{path}:{n}: want group, candidate, collection, nDCG@10")
        g, cand, coll, v = parts
        groups.setdefault(g, OrderedDict()).setdefault(cand, {})[coll] = float(v)
        if coll not in colls:
            colls.append(coll)
    return groups, colls


def loco(cands, colls):
    """For each held-out collection: (chosen candidate, its figure there)."""
    out = OrderedDict()
    for held in colls:
        rest = [c for c in colls if c != held]
        best, best_mean = None, None
        for name, v in cands.items():
            m = sum(v[c] for c in rest) / len(rest)
            if best is None or m > best_mean + 1e-12:
                best, best_mean = name, m
        out[held] = (best, cands[best][held])
    return out


def report(group, cands, colls):
    names = list(cands)
    print(f"#### {group}")
    print()
    print("| # | candidate | " + " | ".join(colls) + " | mean |")
    print("|---|---|" + "---|" * (len(colls) + 1))
    for i, name in enumerate(names, 1):
        v = cands[name]
        missing = [c for c in colls if c not in v]
        if missing:
            sys.exit(f"{group} / {name}: no figure for {', '.join(missing)}")
        mean = sum(v[c] for c in colls) / len(colls)
        print(f"| {i} | {name} | " + " | ".join(f"{v[c]:.4f}" for c in colls) +
              f" | {mean:.4f} |")
    picks = loco(cands, colls)
    print("| | **chosen without the collection** (#) | " +
          " | ".join(f"**{p[1]:.4f}** ({names.index(p[0]) + 1})" for p in picks.values()) +
          f" | **{sum(p[1] for p in picks.values()) / len(colls):.4f}** |")
    print()
    counts = OrderedDict()
    for p in picks.values():
        counts[p[0]] = counts.get(p[0], 0) + 1
    if len(counts) == 1:
        print(f"Every fold chose #{names.index(next(iter(counts))) + 1}, {next(iter(counts))}.")
    else:
        print("The folds disagree: " +
              ", ".join(f"#{names.index(k) + 1} {k} ({n} of {len(colls)})"
                        for k, n in counts.items()) + ".")
    print()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    groups, colls = load(sys.argv[1])
    wanted = sys.argv[2:] or list(groups)
    for g in wanted:
        if g not in groups:
            sys.exit(f"{sys.argv[1]}: no group {g}")
        report(g, groups[g], colls)


if __name__ == "__main__":
    main()
