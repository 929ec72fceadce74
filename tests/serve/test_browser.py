"""test_browser.py - the search page in a real browser (headless Chromium from Debian) on
the sample corpus: a query typed in the box runs a search whose hits and highlights are in
the DOM; the URL holds the search and loads it again; paging; a malformed query shows its
caret; the document view marks every match and "copy as citation" gives the exact bytes,
id and offsets; sorting by date from the select; a note on a name's other spellings; a quote
without exact matches shows its close renderings with the differing words marked in
another colour; no script error, no CSP violation. Screenshots go to
$QUIRE_BINARY_DIR/artifacts/ (CI keeps them)."""

import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_util as u  # noqa: E402

u.setup()
chromium = u.find_chromium()
if chromium is None:
    print("SKIP: chromium not found (Debian package chromium; scripts/install-deps.sh "
          "installs it)")
    sys.exit(u.SKIP)

art = os.path.join(u.BIN, "artifacts")
os.makedirs(art, exist_ok=True)
d = u.tmpdir()
idx = u.sample_index(d)
srv = u.Server(idx)
b = u.Browser(chromium, os.path.join(art, "chromium.log"))
check = u.check


def texts(selector):
    return b.eval(f"Array.from(document.querySelectorAll({json.dumps(selector)}))"
                  ".map(e => e.textContent)")


try:
    # The empty page, then a query typed into the box and submitted, as a user would.
    check(b.open(srv.url + "/"), "the page loads")
    check(b.eval("document.getElementById('q') !== null"), "there is a query box")
    check("5 documents" in b.eval("document.getElementById('index-info').textContent"),
          "the page says how many documents the index holds")
    b.eval("document.getElementById('q').value = '\u201cno limits\u201d'; "
           "document.body.dataset.state = ''; "
           "document.getElementById('go').click()")
    check(b.wait_for("document.body.dataset.state === 'ready'"), "the search finishes")
    ids = texts("#hits .hit .id")
    check(ids == ["tests/data/003_b377222dc834d2b2.txt", "tests/data/001_886f29eb415a0045.txt"],
          f"the hits of “no limits” are 003 then 001 (quire-query's order): {ids}")
    marks = texts("#hits .passage mark")
    check(len(marks) == 2 and all(m.lower() == "no limits" for m in marks),
          f"each passage marks the quote whole: {marks}")
    check("2 matching documents, 2 occurrences" in
          b.eval("document.getElementById('summary').textContent"), "the counts are shown")
    meta = texts("#hits .hit-meta")
    # the score quire-query gives the first hit, as the page rounds it (four decimals)
    first = subprocess.run([os.path.join(u.BIN, "quire-query"), "--format", "json", "-k", "1",
                            "--", idx, '"no limits"'], capture_output=True, text=True)
    score = json.loads(first.stdout.splitlines()[0])["score"]
    check("2022-12-30" in meta[0] and f"score {score:.4f}" in meta[0],
          f"date and score beside the id: {meta[0]!r}")
    url = b.eval("location.href")
    q = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    check(q.get("q") == ["\u201cno limits\u201d"], f"the URL holds the search: {url}")
    b.screenshot(os.path.join(art, "quire-serve-search.png"))

    # The URL alone gives the same page (a shared link), with the form filled in.
    check(b.open(url), "the shared URL loads")
    check(texts("#hits .hit .id") == ids, "a shared URL shows the same hits")
    check(b.eval("document.getElementById('q').value") == "\u201cno limits\u201d",
          "the box holds the query of the URL")

    # Paging: two per page over the five Putin documents.
    check(b.open(srv.url + "/?q=putin&count=2"), "a query with count in the URL loads")
    # count=2 is no choice of the select; the API still takes it.
    page1 = texts("#hits .hit .id")
    check(len(page1) == 2, f"two hits on the first page: {page1}")
    check(b.eval("document.getElementById('prev').disabled"), "no previous page on page 1")
    b.eval("document.body.dataset.state = ''; document.getElementById('next').click()")
    check(b.wait_for("document.body.dataset.state === 'ready'"), "the next page loads")
    page2 = texts("#hits .hit .id")
    check(len(page2) == 2 and not set(page2) & set(page1), f"page 2 holds two others: {page2}")
    check("offset=2" in b.eval("location.search"), "the URL holds the page")
    ranks = b.eval("Array.from(document.querySelectorAll('#hits .hit')).map(e => e.value)")
    check(ranks == [3, 4], f"ranks go on from page 1: {ranks}")

    # Date filter from the form fields.
    check(b.open(srv.url + "/?q=putin&from=2022-12-31&to=2022-12-31"), "a dated search loads")
    dated = texts("#hits .hit .id")
    check(dated == ["tests/data/002_bbff4ad5db431cf0.txt"], f"only 002 is of 2022-12-31: {dated}")
    check(b.eval("document.getElementById('from').value") == "2022-12-31", "the date is shown")

    # A malformed query: the message and a caret under the culprit.
    check(b.open(srv.url + "/?q=" + urllib.parse.quote("putin (xi")), "a bad query loads")
    check(not b.eval("document.getElementById('error').hidden"), "the error is shown")
    msg = b.eval("document.getElementById('error-message').textContent")
    check("unbalanced parenthesis" in msg, f"the message says what is wrong: {msg!r}")
    caret = b.eval("document.getElementById('error-caret').textContent")
    check(caret == "putin (xi\n      ^", f"the caret is under the '(': {caret!r}")

    # The document view: every match marked, the citation exact.
    doc_url = (srv.url + "/?q=" + urllib.parse.quote("putin") + "&doc=" +
               urllib.parse.quote("tests/data/000_9f4ac158bb6fb716.txt"))
    check(b.open(doc_url), "the document view loads")
    st, doc = srv.json("/api/doc/tests%2Fdata%2F000_9f4ac158bb6fb716.txt?q=putin")
    check(st == 200, "the API gives the document")
    marks = texts("#doc-text mark")
    check(len(marks) == len(doc["highlights"]) and len(marks) >= 3,
          f"every match is marked: {len(marks)} marks, {len(doc['highlights'])} highlights")
    check(all(m.lower().startswith("putin") for m in marks), f"the marks are Putin: {marks}")
    shown = b.eval("document.getElementById('doc-text').textContent")
    check(shown == doc["text"], "the whole stored text is shown, unchanged")
    b.eval("document.getElementById('next-match').click()")
    b.eval("document.getElementById('cite-doc').click()")
    check(b.wait_for("!document.getElementById('citation-box').hidden"), "a citation shows")
    cite = b.eval("document.getElementById('citation').value")
    s, e = doc["highlights"][1]
    word = doc["text"].encode()[s:e].decode()
    check(cite.startswith("\u201c" + word + "\u201d") and f"bytes {s}\u2013{e}" in cite and
          "tests/data/000_9f4ac158bb6fb716.txt" in cite,
          f"the citation of the second match gives its text, id and offsets: {cite!r}")
    # A selection across marks and plain text: its exact bytes.
    b.eval("""(() => {
      const t = document.getElementById('doc-text');
      const r = document.createRange();
      const first = t.querySelector('mark');
      r.setStart(first.firstChild, 0);
      const after = first.nextSibling;
      r.setEnd(after.firstChild, Math.min(12, after.firstChild.length));
      const s = getSelection(); s.removeAllRanges(); s.addRange(r);
    })()""")
    sel = b.eval("getSelection().toString()") or ""
    check(len(sel) > 5, f"a selection was made: {sel!r}")
    b.eval("document.getElementById('cite-doc').click()")
    cite = b.eval("document.getElementById('citation').value")
    s0 = doc["highlights"][0][0]
    want = doc["text"].encode()[s0:s0 + len(sel.encode())].decode()
    check(cite.startswith("\u201c" + want + "\u201d") and
          f"bytes {s0}\u2013{s0 + len(want.encode())}" in cite,
          f"the citation of a selection is its exact bytes and offsets: {cite!r}")
    b.eval("getSelection().removeAllRanges()")
    b.screenshot(os.path.join(art, "quire-serve-document.png"))

    # A passage's Cite button in the results.
    check(b.open(srv.url + "/?q=" + urllib.parse.quote('"no limits"')), "results load again")
    b.eval("document.querySelector('#hits .passage button.cite').click()")
    cite = b.eval("document.getElementById('citation').value")
    st, res = srv.json("/api/search?q=%22no+limits%22&passages=2")
    p = res["hits"][0]["passages"][0]
    check(cite.startswith("\u201c" + p["text"] + "\u201d") and
          f"bytes {p['start']}\u2013{p['end']}" in cite,
          f"a passage's citation is its text and offsets: {cite!r}")

    # An unknown document: the API's 404 message on the page.
    check(b.open(srv.url + "/?doc=nosuch"), "an unknown document loads")
    check("no document" in b.eval("document.getElementById('error-message').textContent"),
          "an unknown id says so")

    # Sorting by date: the select is live, and the order is quire-query --sort's.
    def cli_ids(query, *args):
        r = subprocess.run([os.path.join(u.BIN, "quire-query"), "--format", "json", *args,
                            "--", idx, query], capture_output=True, text=True)
        return [json.loads(x)["id"] for x in r.stdout.splitlines() if '"rank"' in x]

    check(b.open(srv.url + "/"), "the page loads again")
    opts = b.eval("Array.from(document.getElementById('sort').options)"
                  ".map(o => [o.value, o.disabled])")
    check(opts == [["relevance", False], ["date", False], ["-date", False]],
          f"every order can be chosen: {opts}")
    check(b.open(srv.url + "/?q=putin&sort=date"), "a date-sorted search loads")
    got = texts("#hits .hit .id")
    check(got == cli_ids("putin", "--sort", "date") and len(got) == 5,
          f"oldest first, as quire-query --sort date: {got}")
    dates = texts("#hits .hit-meta .date")
    check(dates == sorted(dates) and len(dates) >= 2, f"the dates shown ascend: {dates}")
    check(b.eval("document.getElementById('sort').value") == "date", "the select shows the order")
    b.screenshot(os.path.join(art, "quire-serve-date.png"))
    b.eval("document.body.dataset.state = ''; const s = document.getElementById('sort'); "
           "s.value = '-date'; s.dispatchEvent(new Event('change'))")
    check(b.wait_for("document.body.dataset.state === 'ready'"), "choosing newest first reloads")
    got = texts("#hits .hit .id")
    check(got == cli_ids("putin", "--sort", "-date"),
          f"newest first, as quire-query --sort -date: {got}")
    check("sort=-date" in b.eval("location.search"), "the URL holds the order")

    # A name with other spellings in the index: quire-query's note, above the results.
    check(b.open(srv.url + "/?q=Zelensky"), "a search for a name loads")
    r = subprocess.run([os.path.join(u.BIN, "quire-query"), "--color", "never", "--", idx,
                        "Zelensky"], capture_output=True, text=True)
    want = [x[len("note: "):] for x in r.stdout.splitlines() if x.startswith("note: ")]
    notes = texts("#notes .note")
    check(not b.eval("document.getElementById('notes').hidden") and notes == want and want,
          f"the note on Zelensky is quire-query's: {notes} vs {want}")

    # An exact quote without exact matches: its close renderings, what differs marked.
    quote = '"We are waiting for you, dear Mr Chairman"'
    check(b.open(srv.url + "/?q=" + urllib.parse.quote(quote)), "a quote that falls back loads")
    notes = texts("#notes .note")
    check(notes and notes[0].startswith("No exact match; 4 close renderings"),
          f"the page says it shows close renderings: {notes}")
    check(texts("#hits .hit .id") == cli_ids(quote), "the hits are quire-query's")
    st, res = srv.json("/api/search?q=" + urllib.parse.quote(quote) + "&passages=2")
    first = res["hits"][0]
    want = [(w["kind"], res["hits"][0]["passages"][0]["text"].encode()[
        w["start"] - first["passages"][0]["start"]:w["end"] - first["passages"][0]["start"]]
        .decode()) for x in first["renderings"] for w in x["words"] if w["kind"] != "same"]
    diffs = b.eval("Array.from(document.querySelectorAll('#hits .hit:first-child .passage "
                   "mark .diff')).map(e => [e.className.replace('diff diff-', ''), "
                   "e.textContent])")
    check(diffs and sorted(map(tuple, diffs)) == sorted(want) and
          ["substituted", "President"] in diffs,
          f"the differing words are marked with their kind: {diffs} vs {want}")
    colours = b.eval("(() => { const d = document.querySelector('#hits .passage mark .diff'); "
                     "return [getComputedStyle(d).backgroundColor, "
                     "getComputedStyle(d.parentElement).backgroundColor]; })()")
    check(colours[0] != colours[1], f"in another colour than the rest of the mark: {colours}")
    hit_notes = texts("#hits .hit:first-child .note")
    check(hit_notes and hit_notes[0].startswith(
        f"Rendering 1: closeness {first['renderings'][0]['closeness']:.4f}"),
          f"the hit says how close its rendering is: {hit_notes}")
    marks = texts("#hits .hit:first-child .passage mark")
    check(marks and marks[0] == "We are waiting for you, dear Mr. President",
          f"a rendering is one highlight: {marks}")
    b.screenshot(os.path.join(art, "quire-serve-variants.png"))
    # its document view marks the close renderings, not the exact quote (which is not there)
    b.eval("document.body.dataset.state = ''; "
           "document.querySelector('#hits .hit:first-child .hit-title a').click()")
    check(b.wait_for("document.body.dataset.state === 'ready' && "
                     "!document.getElementById('doc').hidden"), "the document view opens")
    doc_marks = texts("#doc-text mark")
    check(len(doc_marks) == 2 and doc_marks[0] == "We are waiting for you, dear Mr. President",
          f"the document view marks the renderings: {doc_marks}")

    errs = b.errors()
    check(not errs, f"no script error or CSP violation: {errs}")
finally:
    b.close()
    srv.stop()
u.finish()
