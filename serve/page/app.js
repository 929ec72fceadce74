// app.js - the search page of quire-serve. State lives in the URL (?q=...&from=&to=&sort=
// &offset=&count=&any=1, and &doc=ID for a document, &mark=Q to mark another query's
// matches in it), so a search can be shared and the
// back button works. Everything shown comes from /api/search and /api/doc/ID and goes
// into the DOM as text (textContent, createTextNode): never as markup.
'use strict';

const enc = new TextEncoder();
const dec = new TextDecoder();
const $ = (id) => document.getElementById(id);

let info = null;      // /api/info
let current = null;   // the document shown: {doc, bytes, marks, at}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// Append to `parent` the bytes [from, to) of `bytes` (a UTF-8 Uint8Array whose first byte
// is byte `base` of the field), with the spans (absolute byte offsets, [start, end]) as
// <mark>. Each piece is one element holding one text node, with its byte offset in data-b,
// so that a selection can be mapped back to bytes. `diffs` (optional, ascending, disjoint:
// {start, end, kind, title}) are the words of an approximate quote's rendering that differ
// from the quote: inside a mark they are pieces of their own, class "diff diff-KIND".
function appendMarked(parent, bytes, base, spans, from, to, diffs) {
  const piece = (into, tag, a, b, cls) => {
    const e = el(tag, cls || null, dec.decode(bytes.subarray(a - base, b - base)));
    e.dataset.b = String(a);
    into.append(e);
    return e;
  };
  // a mark over [s, e): its differing words as pieces inside it, the rest as spans
  const markPiece = (s, e) => {
    const inside = (diffs || []).filter((d) => d.end > s && d.start < e);
    if (inside.length === 0) return piece(parent, 'mark', s, e);
    const m = el('mark');
    m.dataset.b = String(s);
    let at = s;
    for (const d of inside) {
      const ds = Math.max(d.start, at), de = Math.min(d.end, e);
      if (de <= ds) continue;
      if (ds > at) piece(m, 'span', at, ds);
      const kind = String(d.kind).replace(/[^a-z_-]/gi, '');
      const w = piece(m, 'span', ds, de, 'diff diff-' + kind);
      if (d.title) w.title = d.title;
      at = de;
    }
    if (at < e) piece(m, 'span', at, e);
    parent.append(m);
    return m;
  };
  let at = from;
  const marks = [];
  for (const sp of spans || []) {
    const s = Math.max(sp[0], at);
    const e = Math.min(sp[1], to);
    if (e <= s) continue;
    if (s > at) piece(parent, 'span', at, s);
    marks.push(markPiece(s, e));
    at = e;
  }
  if (at < to) piece(parent, 'span', at, to);
  return marks;
}

// The words of a hit's renderings in one field ('text' or 'title') that differ from the
// quote, as appendMarked's diffs: each with its kind and, as a tooltip, the quote word it
// stands for.
function diffsOf(hit, field, quotes) {
  const out = [];
  for (const r of hit.renderings || []) {
    if (r.field !== field) continue;
    const words = (quotes && quotes[r.quote] && quotes[r.quote].words) || [];
    for (const w of r.words) {
      if (w.kind === 'same') continue;
      const of = w.word >= 0 && w.word < words.length ? ' (quote: ' + words[w.word] + ')' : '';
      out.push({start: w.start, end: w.end, kind: w.kind, title: w.kind + of});
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

function params() {
  return new URLSearchParams(window.location.search);
}

function apiQuery(p, keys) {
  const out = new URLSearchParams();
  for (const k of keys) {
    const v = p.get(k);
    if (v !== null && v !== '') out.set(k, v);
  }
  return out.toString();
}

async function getJSON(url) {
  const r = await fetch(url, {headers: {'Accept': 'application/json'}});
  let body;
  try {
    body = await r.json();
  } catch (e) {
    body = {error: 'the server answered ' + r.status + ' without JSON'};
  }
  return {status: r.status, body};
}

function show(id, on) {
  $(id).hidden = !on;
}

function showError(body, query) {
  show('error', true);
  $('error-message').textContent = body.error || 'error';
  const caret = $('error-caret');
  caret.textContent = '';
  if (typeof body.character === 'number' && typeof query === 'string') {
    const chars = Array.from(query);
    caret.append(el('span', 'caret-query', chars.join('')));
    caret.append(document.createTextNode('\n' + ' '.repeat(body.character - 1)));
    caret.append(el('span', 'caret', '^'));
  }
}

function formatMeta(parts) {
  return parts.filter((x) => x !== null && x !== undefined && x !== '').join(' · ');
}

function citation(quote, hit, start, end, generation) {
  const source = [hit.title, hit.date].filter((x) => x).join(', ');
  return '“' + quote + '”\n— ' + (source ? source + '; ' : '') + 'id ' + hit.id + '; bytes ' +
      start + '–' + end + ' of the stored text (quire, generation ' + generation + ')';
}

async function showCitation(text) {
  show('citation-box', true);
  const ta = $('citation');
  ta.value = text;
  ta.focus();
  ta.select();
  const status = $('citation-status');
  status.textContent = '';
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = '(copied to the clipboard)';
  } catch (e) {
    status.textContent = '(selected: press Ctrl+C to copy)';
  }
}

const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);

// What quire-query says before the hits (query/main.c print_word_notes, print_fuzzy_notes,
// print_quote_notes, and its hint), from the answer's fields: a list of strings.
function resultNotes(body) {
  const out = [];
  if (typeof body.hint === 'string') out.push('Hint: ' + body.hint);
  const quotes = body.quotes || [];
  if (quotes.length === 1) {
    const q = quotes[0];
    if (q.exact_documents === 0 && q.renderings > 0 && (body.fell_back || body.hits.length > 0))
      out.push('No exact match; ' + plural(q.renderings, 'close rendering', 'close renderings') +
               ' (the words that differ from the quote are marked):');
  }
  for (const n of body.notes || []) {
    const forms = n.variants.map((v, k) => v.form + ' (' +
        (k === 0 ? plural(v.documents, 'document', 'documents') : v.documents) + ')');
    out.push(n.word + ': also in the index: ' + forms.join(', ') +
             (n.more > 0 ? ' and ' + n.more + ' more' : '') + '; ' + n.word + '~ finds them');
  }
  for (const f of body.fuzzy || []) {
    if (f.lowered_from >= 0)
      out.push(f.word + '~: more than 1024 forms within ' + f.lowered_from +
               ' edits; searched within ' + f.distance);
    if (f.in_reach > f.searched)
      out.push(f.word + '~: ' + f.in_reach + ' forms within ' +
               plural(f.distance, 'edit', 'edits') + '; the ' + f.searched + ' closest searched');
    else if (f.distance < 0)
      out.push(f.word + '~: a word of 1-2 characters has no variants by default; write ' +
               f.word + '~1');
  }
  return out;
}

// What a hit of an approximate quote says, in one line: each rendering's closeness and
// the quote words it lacks.
function hitNotes(hit, quotes) {
  const parts = (hit.renderings || []).map((r, k) => {
    const words = (quotes && quotes[r.quote] && quotes[r.quote].words) || [];
    const missing = r.missing.map((w) => words[w]).filter((w) => w !== undefined);
    return (k === 0 ? 'Rendering ' : 'rendering ') + (k + 1) + ': closeness ' +
        r.closeness.toFixed(4) + (r.field === 'title' ? ', in the title' : '') +
        (missing.length ? ', missing: ' + missing.join(' ') : '');
  });
  return parts.length ? [parts.join(' · ')] : [];
}

// Notes (strings) shown as text.
function renderNotes(container, notes) {
  for (const t of notes)
    container.append(el('p', 'note', t));
}

// The document view's URL; `mark` (optional) is the query whose matches it marks, when it
// is not the search's own (the close renderings of a quote that fell back).
function docLink(id, p, mark) {
  const u = new URLSearchParams();
  for (const k of ['q', 'from', 'to', 'sort', 'offset', 'count', 'any']) {
    const v = p.get(k);
    if (v !== null && v !== '') u.set(k, v);
  }
  if (mark) u.set('mark', mark);
  u.set('doc', id);
  return '/?' + u.toString();
}

// A hit of `body` (the answer: its quotes name the renderings' words).
function renderHit(hit, p, body) {
  const generation = body.generation;
  const li = el('li', 'hit');
  li.dataset.id = hit.id;
  li.value = hit.rank;
  const h = el('h3', 'hit-title');
  const a = el('a');
  // a quote that fell back matched approximately: so must the document view's marks
  a.href = docLink(hit.id, p, body.fell_back ? (p.get('q') || '').trim() + '~' : null);
  const title = enc.encode(hit.title || '');
  if (title.length > 0)
    appendMarked(a, title, 0, hit.title_highlights, 0, title.length,
                 diffsOf(hit, 'title', body.quotes));
  else
    a.append(el('span', 'muted', '(no title)'));
  h.append(a);
  li.append(h);
  const meta = el('p', 'hit-meta');
  if (hit.date) meta.append(el('span', 'date', hit.date), document.createTextNode(' · '));
  meta.append(el('span', 'id', hit.id), document.createTextNode(' · '),
              el('span', 'score', 'score ' + hit.score.toFixed(4)));
  li.append(meta);
  const notes = el('div', 'notes');
  renderNotes(notes, hitNotes(hit, body.quotes));
  if (notes.childNodes.length > 0) li.append(notes);
  const diffs = diffsOf(hit, 'text', body.quotes);
  for (const ps of hit.passages || []) {
    const q = el('p', 'passage');
    q.dataset.start = String(ps.start);
    q.dataset.end = String(ps.end);
    if (ps.cut_before) q.append(el('span', 'cut', '…'));
    const bytes = enc.encode(ps.text);
    appendMarked(q, bytes, ps.start, ps.highlights, ps.start, ps.start + bytes.length, diffs);
    if (ps.cut_after) q.append(el('span', 'cut', '…'));
    const cite = el('button', 'cite', 'Cite');
    cite.type = 'button';
    cite.title = 'copy this passage as a citation: exact text, id and byte offsets';
    cite.addEventListener('click', () =>
      showCitation(citation(ps.text, hit, ps.start, ps.end, generation)));
    q.append(document.createTextNode(' '), cite);
    li.append(q);
  }
  return li;
}

async function runSearch(p) {
  show('doc', false);
  const query = p.get('q') || '';
  if (query.trim() === '') {
    show('results', false);
    return;
  }
  const {status, body} = await getJSON('/api/search?' +
      apiQuery(p, ['q', 'from', 'to', 'sort', 'offset', 'count', 'any']) + '&passages=2');
  if (status !== 200) {
    show('results', false);
    showError(body, query);
    return;
  }
  const notes = $('notes');
  notes.textContent = '';
  renderNotes(notes, resultNotes(body));
  show('notes', notes.childNodes.length > 0);
  const hits = $('hits');
  hits.textContent = '';
  for (const hit of body.hits) hits.append(renderHit(hit, p, body));
  const n = body.matches;
  const first = body.offset + 1, last = body.offset + body.hits.length;
  let summary = (body.matches_exact ? '' : 'at least ') + n + ' matching document' + (n === 1 ? '' : 's');
  if (typeof body.occurrences === 'number')
    summary += ', ' + body.occurrences + ' occurrence' + (body.occurrences === 1 ? '' : 's');
  $('summary').textContent = summary + (body.hits.length ? ' · showing ' + first + '–' + last : '');
  $('page-info').textContent = body.hits.length ? first + '–' + last : '';
  $('prev').disabled = body.offset === 0;
  $('next').disabled = last >= n;
  const page = (offset) => go(Object.assign(formState(), {offset, count: String(body.count)}));
  $('prev').onclick = () => page(Math.max(0, body.offset - body.count));
  $('next').onclick = () => page(body.offset + body.count);
  show('results', true);
}

function moveToMatch(i) {
  if (!current || current.marks.length === 0) return;
  current.at = (i + current.marks.length) % current.marks.length;
  current.marks.forEach((m, k) => m.classList.toggle('current', k === current.at));
  current.marks[current.at].scrollIntoView({block: 'center'});
  $('doc-matches').textContent = 'match ' + (current.at + 1) + ' of ' + current.marks.length;
}

// The byte offset in the document's text of a DOM position inside #doc-text (a
// selection's end), or null outside it.
function byteAt(node, offset) {
  const text = $('doc-text');
  if (!text.contains(node)) return null;
  if (node.nodeType === Node.TEXT_NODE)
    return Number(node.parentElement.dataset.b) + enc.encode(node.data.slice(0, offset)).length;
  if (node === text) {
    const child = text.childNodes[offset];
    return child ? Number(child.dataset.b) : current.bytes.length;
  }
  const b = Number(node.dataset.b); // a piece: before its text, or after it
  return offset === 0 ? b : b + enc.encode(node.textContent).length;
}

function citeDocument() {
  if (!current) return;
  const sel = window.getSelection();
  let start = null, end = null;
  if (sel && sel.rangeCount > 0 && !sel.isCollapsed) {
    const r = sel.getRangeAt(0);
    start = byteAt(r.startContainer, r.startOffset);
    end = byteAt(r.endContainer, r.endOffset);
  }
  if (start === null || end === null || end <= start) {
    const m = current.marks[current.at >= 0 ? current.at : 0];
    if (!m) {
      showCitation('Select the words to cite first.');
      return;
    }
    start = Number(m.dataset.b);
    end = start + enc.encode(m.textContent).length;
  }
  const quote = dec.decode(current.bytes.subarray(start, end));
  showCitation(citation(quote, current.doc, start, end, current.doc.generation));
}

async function showDoc(p) {
  show('results', false);
  show('notes', false);
  const id = p.get('doc');
  const mark = new URLSearchParams(p);
  if (p.get('mark')) mark.set('q', p.get('mark'));
  const q = apiQuery(mark, ['q', 'any']);
  const {status, body} = await getJSON('/api/doc/' + encodeURIComponent(id) + (q ? '?' + q : ''));
  if (status !== 200) {
    showError(body, p.get('q'));
    return;
  }
  const back = new URLSearchParams(p);
  back.delete('doc');
  back.delete('mark');
  $('back').href = '/?' + back.toString();
  const title = enc.encode(body.title || '');
  const h = $('doc-title');
  h.textContent = '';
  if (title.length > 0) appendMarked(h, title, 0, body.title_highlights, 0, title.length);
  else h.append(el('span', 'muted', '(no title)'));
  $('doc-meta').textContent = formatMeta([body.date, 'id ' + body.id, body.length + ' bytes',
                                          'generation ' + body.generation]);
  const text = $('doc-text');
  text.textContent = '';
  const bytes = enc.encode(body.text);
  const marks = appendMarked(text, bytes, 0, body.highlights, 0, bytes.length);
  current = {doc: body, bytes, marks, at: -1};
  $('doc-matches').textContent = marks.length + ' match' + (marks.length === 1 ? '' : 'es');
  $('prev-match').disabled = $('next-match').disabled = marks.length === 0;
  marks.forEach((m, i) => m.addEventListener('click', () => moveToMatch(i)));
  show('doc', true);
  if (marks.length > 0) moveToMatch(0);
}

function formState() {
  const s = {q: $('q').value};
  for (const k of ['from', 'to', 'sort', 'count']) s[k] = $(k).value;
  if ($('any').checked) s.any = '1';
  return s;
}

function go(state) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) {
    if (v === undefined || v === null || v === '' || (k === 'offset' && Number(v) === 0)) continue;
    if ((k === 'sort' && v === 'relevance') || (k === 'count' && v === '10')) continue;
    u.set(k, String(v));
  }
  window.history.pushState(null, '', '/?' + u.toString());
  render();
}

function fillForm(p) {
  $('q').value = p.get('q') || '';
  $('from').value = p.get('from') || '';
  $('to').value = p.get('to') || '';
  $('sort').value = p.get('sort') || 'relevance';
  const count = p.get('count') || '10';
  if (!Array.from($('count').options).some((o) => o.value === count) && /^[0-9]+$/.test(count))
    $('count').add(new Option(count, count)); // a page size from a shared URL
  $('count').value = count;
  $('any').checked = p.get('any') === '1';
}

async function render() {
  const p = params();
  fillForm(p);
  show('error', false);
  show('citation-box', false);
  document.body.dataset.state = 'loading';
  try {
    if (p.get('doc') !== null) await showDoc(p);
    else await runSearch(p);
  } catch (e) {
    showError({error: 'could not reach quire-serve: ' + e.message});
  }
  document.body.dataset.state = 'ready';
}

async function start() {
  $('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    go(formState());
  });
  for (const id of ['sort', 'count', 'any'])
    $(id).addEventListener('change', () => { if ($('q').value.trim() !== '') go(formState()); });
  $('help-toggle').addEventListener('click', () => {
    const open = $('help').hidden;
    $('help').hidden = !open;
    $('help-toggle').setAttribute('aria-expanded', String(open));
  });
  $('prev-match').addEventListener('click', () => moveToMatch(current.at - 1));
  $('next-match').addEventListener('click', () => moveToMatch(current.at + 1));
  $('cite-doc').addEventListener('click', citeDocument);
  $('citation-close').addEventListener('click', () => show('citation-box', false));
  window.addEventListener('popstate', render);
  try {
    const r = await getJSON('/api/info');
    if (r.status === 200) {
      info = r.body;
      $('index-info').textContent = info.documents + ' documents · generation ' + info.generation;
      for (const o of $('sort').options)
        if (!info.sort.includes(o.value)) {
          o.disabled = true;
          o.title = 'this engine does not sort by date yet';
        }
      $('q').maxLength = info.limits.query_bytes;
    }
  } catch (e) {
    // The search itself reports an unreachable server.
  }
  await render();
}

start();
