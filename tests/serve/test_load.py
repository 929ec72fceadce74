"""test_load.py - 8 clients on keep-alive connections for 20 s (QUIRE_LOAD_SECONDS) against
quire-serve while quire-index commits in between: batches that add documents, replace one
and delete another, the merges the policy makes and an --optimize. Zero errors allowed;
the server moves to each new commit without a restart; and no answer mixes commits: every
answer names its generation, and its count, its hits and the replaced document's text are
exactly those of that generation."""

import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_util as u  # noqa: E402

u.setup()
check = u.check
SECONDS = float(os.environ.get("QUIRE_LOAD_SECONDS", "20"))
CLIENTS = 8
d = u.tmpdir()
idx = u.sample_index(d)


def generation():
    gens = [int(m.group(1), 16) for f in os.listdir(idx)
            if (m := re.fullmatch(r"manifest-([0-9a-f]{16})", f))]
    return max(gens)


# What each generation holds, recorded by the writer after each commit: the ids of the
# marker documents and the version of the replaced document "load-r".
expected = {generation(): (frozenset(), None)}
stop = threading.Event()
writer_error = []


def writer():
    live, version, batch = set(), None, 0
    try:
        while not stop.is_set():
            batch += 1
            path = os.path.join(d, f"batch{batch}.jsonl")
            new = [f"load-{batch}-{k}" for k in range(5)]
            with open(path, "w") as f:
                for i in new:
                    f.write(json.dumps({"id": i, "text": f"loadmarker document {i} of batch "
                                                         f"{batch}. Putin and Xi met."}) + "\n")
                f.write(json.dumps({"id": "load-r", "text": f"loadmarker replaced, version "
                                                            f"{batch}"}) + "\n")
            extra = []
            gone = None
            if batch > 2:  # delete one of the batch before last
                gone = f"load-{batch - 2}-0"
                extra = ["--delete", gone]
            u.index(idx, [path], extra=extra)
            live |= set(new) | {"load-r"}
            live.discard(gone)
            version = batch
            expected[generation()] = (frozenset(live), version)
            if batch == 6:
                u.index(idx, [], extra=["--optimize"])
                expected[generation()] = (frozenset(live), version)
            time.sleep(0.4)
    except Exception as e:  # reported by the main thread
        writer_error.append(repr(e))


srv = u.Server(idx, "--poll", "50", "--threads", "4")
lock = threading.Lock()
seen = []  # (generation, kind, payload)
errors = []
counts = [0] * CLIENTS
QUERIES = ["loadmarker", '"putin and xi"', "putin OR china", "uzbek*", "putin NEAR/3 xi"]


def client(n):
    c = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
    i = n
    while not stop.is_set():
        i += 1
        kind = i % 4
        if kind == 0:
            path = "/api/doc/load-r"
        elif kind == 1:
            path = "/api/search?q=loadmarker&count=100&passages=1"
        else:
            path = "/api/search?passages=2&q=" + urllib.parse.quote(QUERIES[i % len(QUERIES)])
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            if kind == 0 and r.status == 404:
                res = None  # before the first batch there is no load-r
            elif r.status != 200:
                raise RuntimeError(f"{path}: {r.status} {body[:200]}")
            else:
                res = json.loads(body)
        except Exception as e:
            with lock:
                errors.append(f"client {n}: {e!r}")
            c.close()
            c = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
            continue
        counts[n] += 1
        if kind == 0 and res is not None:
            with lock:
                seen.append((res["generation"], "doc", res["text"]))
        elif kind == 1:
            with lock:
                seen.append((res["generation"], "marker",
                             (res["matches"], frozenset(h["id"] for h in res["hits"]))))
    c.close()


threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
w = threading.Thread(target=writer)
t0 = time.monotonic()
for t in threads:
    t.start()
w.start()
time.sleep(SECONDS)
stop.set()
for t in threads + [w]:
    t.join()
elapsed = time.monotonic() - t0
total = sum(counts)
print(f"{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s) by {CLIENTS} clients, "
      f"{len(expected)} generations committed, {len(errors)} errors")
check(not writer_error, f"the indexing runs succeed: {writer_error}")
check(not errors, f"zero errors: {errors[:5]}")
check(min(counts) > 0, f"every client was answered: {counts}")

# Each answer is one commit's.
gens = set()
for gen, kind, payload in seen:
    gens.add(gen)
    if gen not in expected:
        check(False, f"an answer from generation {gen}, which the writer never reported")
        continue
    live, version = expected[gen]
    if kind == "marker":
        matches, ids = payload
        check(matches == len(live) and ids <= live and len(ids) == min(100, len(live)),
              f"generation {gen}: {matches} marker documents {sorted(ids)[:3]}..., "
              f"expected {len(live)}")
    else:
        check(payload == f"loadmarker replaced, version {version}",
              f"generation {gen}: load-r reads {payload!r}, expected version {version}")
check(len(gens) >= 4, f"the server followed the commits: generations {sorted(gens)}")

# The last commit is picked up, without a restart.
last = max(expected)
deadline = time.monotonic() + 5
st, res = srv.json("/api/info")
while res["generation"] != last and time.monotonic() < deadline:
    time.sleep(0.05)
    st, res = srv.json("/api/info")
check(res["generation"] == last, f"the last commit is served: {res['generation']} vs {last}")
st, res = srv.json("/api/search?q=loadmarker&count=100")
check(res["matches"] == len(expected[last][0]), "and searched")
err = srv.stop()
check(err.strip() == "", f"nothing on stderr (no failed reopen): {err[-500:]}")
u.finish()
