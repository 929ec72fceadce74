// app.js - the search page of quire-serve. State lives in the URL (?q=...&from=&to=&sort=
// &offset=&count=&any=1, and &doc=ID for a document), so a search can be shared and the
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
// is byte `base` of the field), with the spans (absolute byte offsets) as <mark>. Each
// piece is one element holding one text node, with its byte offset in data-b, so that a
// selection can be mapped back to bytes. A span is [start, end] or, from engines that
// say how a match differs, [start, end, kind] or {start, end, kind}.
function appendMarked(parent, bytes, base, spans, from, to) {
  let at = from;
  const piece = (tag, a, b, kind) => {
    const e = el(tag, kind ? 'hl-' + kind : null, dec.decode(bytes.subarray(a - base, b - base)));
    e.dataset.b = String(a);
    parent.append(e);
    return e;
  };
  const marks = [];
  for (const sp of spans || []) {
    const s = Math.max(Array.isArray(sp) ? sp[0] : sp.start, at);
    const e = Math.min(Array.isArray(sp) ? sp[1] : sp.end, to);
    const kind = Array.isArray(sp) ? sp[2] : sp.kind;
    if (e <= s) continue;
    if (s > at) piece('span', at, s);
    marks.push(piece('mark', s, e, typeof kind === 'string' ? kind.replace(/[^a-z_-]/gi, '') : null));
    at = e;
  }
  if (at < to) piece('span', at, to);
  return marks;
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

// Notes an engine may attach to a result or a hit (approximate quotes, name variants:
// strings, or objects with a `text`), shown as text.
function renderNotes(container, notes) {
  for (const n of notes || []) {
    const t = typeof n === 'string' ? n : n && typeof n.text === 'string' ? n.text : null;
    if (t) container.append(el('p', 'note', t));
  }
}

function docLink(id, p) {
  const u = new URLSearchParams();
  for (const k of ['q', 'from', 'to', 'sort', 'offset', 'count', 'any']) {
    const v = p.get(k);
    if (v !== null && v !== '') u.set(k, v);
  }
  u.set('doc', id);
  return '/?' + u.toString();
}

function renderHit(hit, p, generation) {
  const li = el('li', 'hit');
  li.dataset.id = hit.id;
  li.value = hit.rank;
  const h = el('h3', 'hit-title');
  const a = el('a');
  a.href = docLink(hit.id, p);
  const title = enc.encode(hit.title || '');
  if (title.length > 0)
    appendMarked(a, title, 0, hit.title_highlights, 0, title.length);
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
  renderNotes(notes, hit.notes);
  if (notes.childNodes.length > 0) li.append(notes);
  for (const ps of hit.passages || []) {
    const q = el('p', 'passage');
    q.dataset.start = String(ps.start);
    q.dataset.end = String(ps.end);
    if (ps.cut_before) q.append(el('span', 'cut', '…'));
    const bytes = enc.encode(ps.text);
    appendMarked(q, bytes, ps.start, ps.highlights, ps.start, ps.start + bytes.length);
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
  renderNotes(notes, body.notes);
  show('notes', notes.childNodes.length > 0);
  const hits = $('hits');
  hits.textContent = '';
  for (const hit of body.hits) hits.append(renderHit(hit, p, body.generation));
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
  const q = apiQuery(p, ['q', 'any']);
  const {status, body} = await getJSON('/api/doc/' + encodeURIComponent(id) + (q ? '?' + q : ''));
  if (status !== 200) {
    showError(body, p.get('q'));
    return;
  }
  const back = new URLSearchParams(p);
  back.delete('doc');
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
