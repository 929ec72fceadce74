"""test_http.py - quire-serve over HTTP on a free loopback port: the page and its files,
the JSON API against quire-query --format json on the same index (every field, in the same
order), paging and the date filter, offsets that point into the stored text, and the
refusals: 400 (malformed query: message and caret place; bad parameters), 404 (unknown
document or page; no path reaches the file system), 405 (anything but GET and HEAD), 413
(query, request line or body too large), 503 (past the time limit)."""

import json
import os
import socket
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_util as u  # noqa: E402

u.setup()
check = u.check
d = u.tmpdir()
idx = u.sample_index(d)
srv = u.Server(idx)


def q(s):
    return urllib.parse.quote(s, safe="")


def cli(*args):
    r = subprocess.run([os.path.join(u.BIN, "quire-query"), "--format", "json", *args],
                       capture_output=True, text=True)
    return r


def cli_lines(query, *args):
    r = cli(*args, "--", idx, query)
    check(r.returncode in (0, 1), f"quire-query {query!r}: exit {r.returncode} {r.stderr}")
    return [json.loads(line, object_pairs_hook=list) for line in r.stdout.splitlines()]


def cli_hits(query, *args):
    # the hits, whole (origin and source included): the last line is about the query
    return [x for x in cli_lines(query, *args) if "rank" in dict(x)]


# The fields of quire-query's last line that the API's answer has too, with the same values
# (README "Approximate quotes and spelling variants", "Explain").
QUERY_FIELDS = ("hint", "fell_back", "quotes", "notes", "fuzzy", "explain")


def cli_query_fields(query, *args):
    last = [x for x in cli_lines(query, *args) if "rank" not in dict(x)][-1]
    return [(k, v) for k, v in last if k in QUERY_FIELDS]


def cli_count(query):
    r = subprocess.run([os.path.join(u.BIN, "quire-query"), "--count", "--", idx, query],
                       capture_output=True, text=True)
    return int(r.stdout.split()[0])


def api(path):
    status, headers, data = srv.get(path)
    return status, headers, json.loads(data, object_pairs_hook=list) if data else None


def field(pairs, name):
    return dict(pairs)[name]


try:
    # --- the page and its files, with the headers that keep it self-contained
    status, h, body = srv.get("/")
    check(status == 200 and h["content-type"].startswith("text/html"), f"/ is the page: {status}")
    check(b'<input type="search" id="q"' in body, "the page has the query box")
    csp = h.get("content-security-policy", "")
    check("default-src 'none'" in csp and "script-src 'self'" in csp and
          "unsafe-inline" not in csp, f"a CSP forbids inline and foreign scripts: {csp}")
    check(h.get("x-content-type-options") == "nosniff", "nosniff")
    check(b"http://" not in body and b"https://" not in body, "the page loads nothing from the network")
    for path, ctype in (("/app.js", "text/javascript"), ("/style.css", "text/css"),
                        ("/index.html", "text/html")):
        status, h, body = srv.get(path)
        check(status == 200 and h["content-type"].startswith(ctype) and len(body) > 500,
              f"{path}: {status} {h.get('content-type')}")
        check(b"http://" not in body and b"https://" not in body, f"{path} names no server")
    status, h, body = srv.get("/", method="HEAD")
    check(status == 200 and body == b"" and int(h["content-length"]) > 500, "HEAD / has no body")

    status, h, info = api("/api/info")
    info = dict(info)
    check(status == 200 and info["documents"] == 5 and info["generation"] == 1,
          f"/api/info: {info}")

    # --- search: the hits of quire-query --format json, field for field, in order
    queries = ['"no limits"', "putin xi", "uzbek*", "putin NEAR/1 xi", "xi ONEAR/3 putin",
               "title:putin", '"We are expecting you, dear Mr Chairman"', "russia OR china",
               "-putin", "expect visit", "zzznothing", "\u201cno limits\u201d"]
    for query in queries:
        for passages, extra in ((1, []), (0, ["--passages", "0"]),
                                (3, ["--passages", "3", "--passage-length", "100"])):
            path = f"/api/search?q={q(query)}&passages={passages}"
            if passages == 3:
                path += "&length=100"
            status, h, res = api(path)
            check(status == 200, f"{path}: {status} {res}")
            if status != 200:
                continue
            want = cli_hits(query, *extra)
            got = field(res, "hits")
            check(got == want, f"{query!r} passages={passages}: the API's hits are "
                               f"quire-query's\n  api: {got}\n  cli: {want}")
        status, h, res = api(f"/api/search?q={q(query)}")
        r = dict(res)
        check(list(r)[:4] == ["query", "generation", "matches", "matches_exact"],
              f"the answer's fields: {list(r)}")
        check(r["query"] == query, "the query is echoed")
        exact = cli_count(query)
        check(r["matches"] == exact if r["matches_exact"] else r["matches"] <= exact,
              f"{query!r}: matches {r['matches']} (exact: {r['matches_exact']}), --count {exact}")
        check(h.get("cache-control") == "no-store", "API answers are not cached")
        check(h.get("server-timing", "").startswith("engine;dur="), "the engine's time is told")

    st, _, res = api("/api/search?q=" + q('"no limits"'))
    check(dict(res).get("occurrences") == 2, "a phrase's occurrences")

    # --- approximate quotes, fuzzy words, notes on names, the fall-back to close renderings
    # and explain: hits (renderings with each word's kind) and the query's fields are
    # quire-query's, field for field, in order
    variant_queries = ['"We are waiting for you, dear Mr Chairman"', '"dear Mr Chairman"~',
                       '"dear Mr Chairman"~0.5 putin', "Zelensky", "zelensky~", "zelenskyy~1 xi",
                       '"no limits" Zelensky', "Zelensky OR \"no limits\"~", "xi~",
                       '"this phrase is nowhere"', '"no ... limits"', "title:putin~",
                       '"limits ... Uzbekistan visit"']
    for query in variant_queries:
        for extra_api, extra_cli in (("", []), ("&passages=2&length=100",
                                                ["--passages", "2", "--passage-length", "100"]),
                                     ("&explain=1", ["--explain"]),
                                     ("&passages=0", ["--passages", "0"])):
            path = f"/api/search?q={q(query)}{extra_api}"
            status, h, res = api(path)
            check(status == 200, f"{path}: {status} {res}")
            if status != 200:
                continue
            want = cli_hits(query, *extra_cli)
            got = field(res, "hits")
            check(got == want, f"{query!r}{extra_api}: the API's hits are quire-query's\n"
                               f"  api: {got}\n  cli: {want}")
            got_q = [(k, v) for k, v in res if k in QUERY_FIELDS]
            want_q = cli_query_fields(query, *extra_cli)
            check(got_q == want_q, f"{query!r}{extra_api}: the query's fields are quire-query's"
                                   f"\n  api: {got_q}\n  cli: {want_q}")
    # what those fields hold, on this corpus (so the comparison above compares something)
    st, r = srv.json("/api/search?q=" + q('"We are waiting for you, dear Mr Chairman"'))
    check(r.get("fell_back") is True and r["quotes"][0]["exact_documents"] == 0 and
          r["matches"] == 3, f"an exact quote without exact matches falls back: {r}")
    kinds = {w["kind"] for hit in r["hits"] for x in hit["renderings"] for w in x["words"]}
    check({"same", "substituted"} <= kinds, f"its renderings say how each word differs: {kinds}")
    st, r = srv.json("/api/search?q=Zelensky")
    notes = r.get("notes")
    check(notes and notes[0]["word"] == "zelensky" and
          sorted(v["form"] for v in notes[0]["variants"]) == ["zelenskiy", "zelenskyy"],
          f"a name with other spellings in the index has a note: {notes}")
    st, r = srv.json("/api/search?q=zelensky~")
    check([x["word"] for x in r.get("fuzzy", [])] == ["zelensky"] and r["matches"] == 5,
          f"a fuzzy word finds the spellings: {r}")
    st, r = srv.json("/api/search?q=" + q('"limits ... Uzbekistan visit"'))
    check("alone, \"limits\" is in 2 documents" in r.get("hint", ""),
          f"a quote with an ellipsis that matches nothing has a hint: {r}")
    st, r = srv.json("/api/search?q=putin")
    check(not {"fell_back", "notes", "explain"} & set(r),
          f"a plain query has none of those fields: {list(r)}")
    st, r = srv.json("/api/search?q=putin&explain=1")
    check(r["explain"]["parsed"] == "putin" and all("explain" in x for x in r["hits"]),
          f"explain=1: {r}")

    # --- paging and sorting: quire-query's --offset and --sort, hit for hit
    for sort in ("relevance", "date", "-date"):
        for query in ("putin", "putin OR uzbekistan", "xi -putin", '"no limits" OR zelensky'):
            for offset, count in ((0, 2), (2, 2), (4, 2), (5, 2), (1, 10), (0, 10)):
                path = (f"/api/search?q={q(query)}&offset={offset}&count={count}"
                        f"&sort={q(sort)}")
                st, _, res = api(path)
                check(st == 200, f"{path}: {st} {res}")
                if st != 200:
                    continue
                got = field(res, "hits")
                want = cli_hits(query, "-k", str(count), "--offset", str(offset), "--sort", sort)
                check(got == want, f"{path}: {[field(x, 'id') for x in got]} vs "
                                   f"{[field(x, 'id') for x in want]}")
                check(field(res, "offset") == offset and field(res, "count") == count and
                      field(res, "sort") == sort, f"{path}: paging and sort echoed")
    # the pages are slices of the whole order
    for sort in ("relevance", "date", "-date"):
        want = cli_hits("putin", "-k", "5", "--sort", sort)
        got = []
        for offset in (0, 2, 4):
            st, _, res = api(f"/api/search?q=putin&offset={offset}&count=2&sort={q(sort)}")
            got += field(res, "hits")
        check(got == want, f"sort {sort}: three pages are the top 5")
    st, _, res = api("/api/search?q=putin&sort=date&count=5")
    dates = [field(x, "date") for x in field(res, "hits")]
    known = [x for x in dates if x is not None]
    check(known == sorted(known) and len(known) >= 2 and dates[:len(known)] == known,
          f"oldest first, undated last: {dates}")
    st, _, res = api("/api/search?q=putin&sort=-date&count=5")
    dates = [field(x, "date") for x in field(res, "hits")]
    known = [x for x in dates if x is not None]
    check(known == sorted(known, reverse=True) and dates[:len(known)] == known,
          f"newest first, undated last: {dates}")
    st, _, res = api("/api/search?q=putin&sort=date&from=2022-12-31")
    got = field(res, "hits")
    want = cli_hits("putin date:2022-12-31..", "--sort", "date")
    check([field(x, "id") for x in got] == [field(x, "id") for x in want] and got,
          "a date order with the date filter")

    # --- date filter: as the query language's date: range
    for frm, to, expr in (("2022-12-31", "2022-12-31", "date:2022-12-31"),
                          ("2022-12-31", "", "date:2022-12-31.."),
                          ("", "2022-12-30", "date:..2022-12-30")):
        st, _, res = api(f"/api/search?q=putin&from={frm}&to={to}")
        got = [(field(x, "id"), field(x, "score")) for x in field(res, "hits")]
        want = [(field(x, "id"), field(x, "score")) for x in cli_hits("putin " + expr)]
        check(st == 200 and got == want and got, f"from={frm} to={to}: {got} vs {want}")
    st, _, res = api("/api/search?q=putin+OR+uzbekistan&from=2022-12-31")
    got = [field(x, "id") for x in field(res, "hits")]
    want = [field(x, "id") for x in cli_hits("(putin OR uzbekistan) date:2022-12-31..")]
    check(got == want, f"the filter applies to the whole query, OR included: {got} vs {want}")
    st, _, res = api("/api/search?q=putin+uzbekistan&any=1&from=2022-12-31")
    got = [field(x, "id") for x in field(res, "hits")]
    check(got == ["tests/data/002_bbff4ad5db431cf0.txt"], f"and with any=1: {got}")

    # --- offsets point into the stored text: each passage is the document's bytes
    st, _, res = api("/api/search?q=putin+xi&passages=3&count=5")
    for hit in field(res, "hits"):
        hid = field(hit, "id")
        st, _, doc = api("/api/doc/" + q(hid) + "?q=putin+xi")
        check(st == 200, f"/api/doc/{hid}: {st}")
        doc = dict(doc)
        text = doc["text"].encode()
        check(doc["length"] == len(text), "length is the text's bytes")
        check(field(hit, "title") == doc["title"] and field(hit, "date") == doc["date"],
              "the document's title and date are the hit's")
        marks = {tuple(x) for x in doc["highlights"]}
        for p in field(hit, "passages"):
            p = dict(p)
            check(text[p["start"]:p["end"]].decode() == p["text"],
                  f"{hid}: passage {p['start']}-{p['end']} is the document's text there")
            for s, e in p["highlights"]:
                check((s, e) in marks, f"{hid}: the passage's highlight {s}-{e} is the document's")
    st, _, doc = api("/api/doc/" + q("tests/data/003_b377222dc834d2b2.txt"))
    doc = dict(doc)
    check(st == 200 and doc["highlights"] == [] and "query" not in doc,
          "a document without a query has no highlights")
    check(list(doc)[:4] == ["id", "title", "date", "generation"], f"doc fields: {list(doc)}")

    # --- malformed queries: 400, quire-query's message, the culprit's place
    for query, offset, char in (("putin (xi", 6, 7), ('"no limits', 0, 1), ("a OR", 2, 3),
                                ("Z\u00fcrich (xi", 8, 8), ("foo:bar", 0, 1)):
        for extra in ("", "&from=2020-01-01", "&to=2030-01-01&any=1"):
            st, _, res = api(f"/api/search?q={q(query)}{extra}")
            res = dict(res)
            r = subprocess.run([os.path.join(u.BIN, "quire-query"), "--", idx, query],
                               capture_output=True, text=True)
            msg = r.stderr.splitlines()[0].replace("quire-query: ", "")
            check(st == 400 and res["error"] == msg and res["offset"] == offset and
                  res["character"] == char and res["query"] == query,
                  f"{query!r}{extra}: {st} {res} (quire-query: {msg})")
    for path, what in (("/api/search?q=", "empty query"), ("/api/search", "missing"),
                       ("/api/search?q=+++", "empty query")):
        st, _, res = api(path)
        check(st == 400 and what in dict(res)["error"], f"{path}: {st} {res}")
    st, _, res = api("/api/doc/" + q("tests/data/003_b377222dc834d2b2.txt") + "?q=" + q("a ("))
    check(st == 400 and dict(res)["offset"] == 2, f"a bad query on a document: {st} {res}")

    # --- bad parameters: 400 naming the parameter
    for path, name in (("count=0", "count"), ("count=101", "count"), ("count=x", "count"),
                       ("offset=10001", "offset"), ("offset=-1", "offset"),
                       ("passages=11", "passages"), ("length=15", "length"),
                       ("length=99999999999", "length"), ("sort=bogus", "sort"),
                       ("any=2", "any"), ("from=2022-13-01", "from"), ("to=yesterday", "to")):
        st, _, res = api("/api/search?q=putin&" + path)
        check(st == 400 and dict(res)["error"].startswith(name + ":"), f"{path}: {st} {res}")
    check(info["sort"] == ["relevance", "date", "-date"] and info["explain"] is True,
          f"/api/info lists the orders and explain: {info}")
    st, _, res = api("/api/search?q=putin&explain=yes")
    check(st == 400 and dict(res)["error"].startswith("explain:"), f"explain=yes: {st} {res}")

    # --- 404: unknown documents and pages; nothing reaches the file system
    st, _, res = api("/api/doc/nosuch")
    check(st == 404 and dict(res)["id"] == "nosuch" and "no document" in dict(res)["error"],
          f"unknown document: {st} {res}")
    st, _, res = api("/api/doc/")
    check(st == 404, f"no id: {st}")
    for path in ("/nosuch", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd",
                 "/api/doc/../../../../etc/passwd", "/api/doc/%2Fetc%2Fpasswd", "/api",
                 "/index.html/", "//app.js", "/app.js%00.html", "/" + q(idx) + "/manifest"):
        status, h, body = srv.get(path)
        check(status in (400, 404) and b"root:" not in body and b"QMAN" not in body,
              f"{path}: {status} {body[:80]}")

    # --- 405: read-only
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        status, h, body = srv.get("/api/search?q=putin", method=method)
        check(status == 405 and h.get("allow") == "GET, HEAD", f"{method}: {status} {h}")

    # --- 413: too long a query, request, body
    st, _, res = api("/api/search?q=" + "a+" * 2100)
    check(st == 413 and "at most 4096" in dict(res)["error"], f"a 4200-byte query: {st} {res}")
    status, h, body = srv.get("/api/search?q=putin", headers={"Content-Length": "5"},
                              body=b"hello")
    check(status == 413, f"a GET with a body: {status} {body}")

    def raw(request):
        s = socket.create_connection((srv.host, srv.port), timeout=30)
        try:
            s.sendall(request)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data
        except ConnectionResetError:
            return data
        finally:
            s.close()

    big = raw(b"GET /api/search?q=putin&pad=" + b"x" * 30000 + b" HTTP/1.1\r\nHost: x\r\n"
              b"Connection: close\r\n\r\n")
    check(big.startswith(b"HTTP/1.1 413"), f"a 30 KB request line: {big[:60]}")
    big = raw(b"GET /api/search?q=putin HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"y" * 20000 +
              b"\r\nConnection: close\r\n\r\n")
    check(big.startswith(b"HTTP/1.1 413"), f"20 KB of headers: {big[:60]}")
    huge = raw(b"GET /?" + b"z" * 1000000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    check(huge[9:12] in (b"413", b"414", b"431"), f"a 1 MB request is refused: {huge[:60]}")
    chunked = raw(b"GET /api/search?q=putin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                  b"\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    check(chunked.startswith(b"HTTP/1.1 413"), f"a chunked body: {chunked[:60]}")
    st, _, res = api("/api/search?q=putin")
    check(st == 200, "the server answers after all that")
finally:
    srv.stop()

# --- 503: the time limit. 20,000 documents that all match: scoring and passages of 100
# hits take far more than 1 ms; the server says so and goes on answering.
big_dir = os.path.join(d, "big")
os.makedirs(big_dir)
with open(os.path.join(big_dir, "docs.jsonl"), "w") as f:
    for i in range(20000):
        f.write(json.dumps({"id": f"d{i}", "text": f"alpha beta gamma {i} " * 20}) + "\n")
big_idx = os.path.join(d, "bigidx")
u.index(big_idx, [os.path.join(big_dir, "docs.jsonl")])
slow = u.Server(big_idx, "--time-limit", "1")
try:
    st, res = slow.json("/api/search?q=alpha+beta&count=100&passages=10")
    check(st == 503 and "time limit" in res["error"], f"past the time limit: {st} {res}")
    st, res = slow.json("/api/search?q=d7")
    check(st == 200, f"then a small query is answered: {st} {res}")
finally:
    slow.stop()
u.finish()
