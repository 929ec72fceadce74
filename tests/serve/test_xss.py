"""test_xss.py - documents full of markup (<script>, quotes, &, </textarea>, event
handlers) in their ids, titles and text, and queries full of it: the JSON never carries a
raw '<', and in a real browser the DOM holds all of it as text: no element, attribute or
script of theirs appears, none runs, and the text shown is the text stored."""

import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_util as u  # noqa: E402

u.setup()
check = u.check
d = u.tmpdir()

PAYLOADS = [
    "<script>window.__pwned = 'script'</script>",
    "\"><img src=x onerror=\"window.__pwned='img'\">",
    "</textarea><script>window.__pwned='textarea'</script>",
    "'><svg onload=window.__pwned='svg'>",
    "&lt;b&gt;entity&amp;</b> & &amp; &#60;script&#62;",
    "<a href=\"javascript:window.__pwned='href'\">link</a>",
    "</mark></span><iframe src=\"javascript:parent.__pwned='iframe'\"></iframe>",
    "<style>body{display:none}</style><!-- comment --> ]]> {{constructor}}",
]
docs = []
for i, p in enumerate(PAYLOADS):
    docs.append({"id": f"x{i}{p}", "title": f"payload title {i} {p}",
                 "date": "2024-01-0" + str(1 + i % 9),
                 "text": f"The payload number {i} is here: {p}\nAnd again, payload {p} ends."})
path = os.path.join(d, "hostile.jsonl")
with open(path, "w") as f:
    for doc in docs:
        f.write(json.dumps(doc) + "\n")
idx = os.path.join(d, "idx")
u.index(idx, [path])
srv = u.Server(idx)
QUERY = 'payload OR "<script>" OR textarea'


def q(s):
    return urllib.parse.quote(s, safe="")


try:
    # The API: every document's fields come back as they were stored, escaped in transit.
    status, h, body = srv.get("/api/search?q=" + q(QUERY) + "&count=20&passages=2")
    check(status == 200 and h["content-type"] == "application/json", f"search: {status}")
    check(b"<" not in body and b">" not in body, "no raw < or > in the JSON")
    res = json.loads(body)
    check(len(res["hits"]) == len(docs), f"every hostile document matches: {len(res['hits'])}")
    by_id = {doc["id"]: doc for doc in docs}
    for hit in res["hits"]:
        check(hit["id"] in by_id and hit["title"] == by_id[hit["id"]]["title"],
              f"id and title come back exactly: {hit['id']!r}")
    for doc in docs:
        status, h, body = srv.get("/api/doc/" + q(doc["id"]) + "?q=" + q(QUERY))
        check(status == 200 and b"<" not in body, f"/api/doc/{doc['id']!r}: {status}")
        got = json.loads(body)
        check(got["text"] == doc["text"] and got["title"] == doc["title"],
              f"the stored text of {doc['id']!r} comes back unchanged")
    status, h, body = srv.get("/api/search?q=" + q('"<img src=x onerror=alert(1)>'))
    check(status == 400 and b"<" not in body, f"an error echoing markup is escaped: {body[:100]}")

    chromium = u.find_chromium()
    if chromium is None:
        print("SKIP: chromium not found (Debian package chromium; scripts/install-deps.sh "
              "installs it): the API checks above ran, the DOM checks did not")
        raise SystemExit(u.SKIP if not u.failures else 1)
    art = os.path.join(u.BIN, "artifacts")
    os.makedirs(art, exist_ok=True)
    b = u.Browser(chromium, os.path.join(art, "chromium-xss.log"))
    try:
        # What the page itself has, so that anything more is an injection.
        SAFE = """(() => {
          const scripts = document.querySelectorAll('script').length;
          const handlers = Array.from(document.querySelectorAll('*')).filter(e =>
              Array.from(e.attributes).some(a => a.name.startsWith('on'))).length;
          const links = Array.from(document.querySelectorAll('a')).filter(a =>
              !a.getAttribute('href').startsWith('/')).length;
          return {scripts, handlers, links, styles: document.querySelectorAll('style').length,
                  imgs: document.querySelectorAll('img, svg, iframe').length,
                  pwned: window.__pwned === undefined ? null : String(window.__pwned),
                  hidden: getComputedStyle(document.body).display === 'none'};
        })()"""
        CLEAN = {"scripts": 1, "handlers": 0, "links": 0, "styles": 0, "imgs": 0,
                 "pwned": None, "hidden": False}

        check(b.open(srv.url + "/?count=20&q=" + q(QUERY)), "the results page loads")
        state = b.eval(SAFE)
        check(state == CLEAN, f"results: nothing injected, nothing ran: {state}")
        titles = b.eval("Array.from(document.querySelectorAll('#hits .hit-title'))"
                        ".map(e => e.textContent)")
        check(sorted(titles) == sorted(doc["title"] for doc in docs),
              f"the titles are shown as text, exactly: {titles}")
        ids = b.eval("Array.from(document.querySelectorAll('#hits .id')).map(e => e.textContent)")
        check(sorted(ids) == sorted(by_id), "the ids are shown as text, exactly")
        passages = b.eval("Array.from(document.querySelectorAll('#hits .passage'))"
                          ".map(e => e.textContent).join('\\n')")
        for p in PAYLOADS:
            check(p in passages, f"the payload is in the passages as text: {p!r}")
        b.screenshot(os.path.join(art, "quire-serve-xss.png"))
        # A Cite button: the textarea holds </textarea> as its value.
        b.eval("document.querySelector('#hits .passage button.cite').click()")
        cite = b.eval("document.getElementById('citation').value")
        check("payload" in cite and b.eval(SAFE) == CLEAN, f"a hostile citation: {cite!r}")

        for doc in docs:
            url = srv.url + "/?q=" + q(QUERY) + "&doc=" + q(doc["id"])
            check(b.open(url), f"the document view of {doc['id']!r} loads")
            state = b.eval(SAFE)
            check(state == CLEAN, f"{doc['id']!r}: nothing injected, nothing ran: {state}")
            text = b.eval("document.getElementById('doc-text').textContent")
            check(text == doc["text"], f"{doc['id']!r}: the text shown is the text stored")
            kinds = b.eval("Array.from(document.getElementById('doc-text').children)"
                           ".map(e => e.tagName).filter(t => t !== 'SPAN' && t !== 'MARK')")
            check(kinds == [], f"only the page's own elements in the text: {kinds}")
            check(b.eval("document.getElementById('doc-title').textContent") == doc["title"],
                  "the title shown is the title stored")
            b.eval("document.getElementById('cite-doc').click()")
            check(b.eval(SAFE) == CLEAN, "citing it injects nothing")

        # Notes on a name's spellings and the close renderings of an approximate quote,
        # whose differing words split the hostile passages into pieces: text all the same.
        for query, what in (("Payloaf OR payload", "payloaf: also in the index: payload"),
                            ('"payload number is here <script> window pwned"~0.5',
                             "close rendering")):
            check(b.open(srv.url + "/?count=20&q=" + q(query)), f"{query!r} loads")
            state = b.eval(SAFE)
            check(state == CLEAN, f"{query!r}: nothing injected, nothing ran: {state}")
            notes = b.eval("Array.from(document.querySelectorAll('.note'))"
                           ".map(e => e.textContent).join('\\n')")
            check(what in notes, f"{query!r}: the note is shown: {notes!r}")
            passages = b.eval("Array.from(document.querySelectorAll('#hits .passage'))"
                              ".map(e => e.textContent).join('\\n')")
            st, res = srv.json("/api/search?count=20&passages=2&q=" + q(query))
            want = [p["text"] for hit in res["hits"] for p in hit["passages"]]
            check(want and all(t in passages for t in want) and
                  any("<" in t for t in want), f"{query!r}: the passages are their text")
            tags = b.eval("Array.from(document.querySelectorAll('#hits .passage *'))"
                          ".map(e => e.tagName).filter(t => !['SPAN', 'MARK', 'BUTTON']"
                          ".includes(t))")
            check(tags == [], f"{query!r}: only the page's own elements in passages: {tags}")
        diffs = b.eval("document.querySelectorAll('#hits .passage mark .diff').length")
        check(diffs > 0, f"the approximate quote's differing words are marked: {diffs}")

        # A hostile query: echoed in the box and in the error's caret line as text.
        bad = "\"</textarea><script>window.__pwned='query'</script><img src=x onerror=alert(1)>"
        check(b.open(srv.url + "/?q=" + q(bad)), "a hostile malformed query loads")
        check(b.eval(SAFE) == CLEAN, "the error page: nothing injected")
        check(b.eval("document.getElementById('q').value") == bad, "the box holds it as text")
        caret = b.eval("document.getElementById('error-caret').textContent")
        check(caret.startswith(bad), f"the caret line shows it as text: {caret!r}")
        errs = b.errors()
        check(not errs, f"no script error or CSP report: {errs}")
    finally:
        b.close()
finally:
    srv.stop()
u.finish()
