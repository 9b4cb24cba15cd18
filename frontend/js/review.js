// The review screen: loads the photos once, filters them in memory, drives the virtualised strip,
// the preview, the info panel and the editor, and carries out decisions (single or bulk) and undo.

import { api } from './api.js';
import { confirmDialog } from './dialogs.js';
import { $, fill, h, toast } from './dom.js';
import { EDIT_FIELDS, Editor } from './editor.js';
import { InfoPanel } from './info.js';
import { Preview } from './preview.js';
import { emit, on, state } from './state.js';
import { Strip } from './strip.js';
import { qualityBand } from './text.js';
import { canRedo, canUndo, record, restore, takeRedo, takeUndo } from './undo.js';

const STATUS_SETS = {
  open: 'in_review,quarantined,approved', pending: 'in_review,quarantined', approved: 'approved',
  rejected: 'rejected', published: 'published,publishing', failed: 'failed',
  all: 'in_review,quarantined,approved,publishing,published,rejected,failed',
};
const DONE_WORD = { approve: 'Approved', reject: 'Rejected', reopen: 'Back to pending', generate: 'New text generated' };
const VERB = { approve: 'Approve', reject: 'Reject', reopen: 'Back to pending', generate: 'Generate' };

export const review = {
  all: [], // photos loaded for the status filter
  view: [], // after the in-memory filters
  index: -1,
  selection: new Set(),
  details: new Map(),
  loadedStatus: null,
  ready: false,
};
let strip; let editor; let preview; let info;
// Opening straight into review (the usual case after a run): ask for the photos at once, in
// parallel with the app state, instead of after it.
let early = location.hash === '#review' ? api('/api/photos', { query: { status: STATUS_SETS.open } }) : null;
if (early) early.catch(() => {});
let detailTimer = null;

const current = () => review.view[review.index] || null;

function filters() {
  return { status: $('#flt-status').value, band: $('#flt-band').value, gate: $('#flt-gate').value,
    set: $('#flt-set').value, dup: $('#flt-dup').checked, q: $('#flt-q').value.trim().toLowerCase() };
}

/** Fetch the photos for the status filter (the only filter that needs the server). */
export async function load() {
  const f = filters();
  try {
    const res = early && f.status === 'open' ? await early
      : await api('/api/photos', { query: { status: STATUS_SETS[f.status] } });
    early = null;
    review.all = res.photos || [];
    review.loadedStatus = f.status;
  } catch (err) {
    toast(`Photos could not be loaded: ${err.message}`, 'error');
    review.all = [];
  }
  fillSetFilter();
  applyFilters();
}

function fillSetFilter() {
  const sel = $('#flt-set');
  const keep = sel.value;
  const seen = new Map();
  for (const p of review.all) if (!seen.has(p.set_id)) seen.set(p.set_id, p);
  fill(sel, h('option', { value: '' }, 'All sets'), [...seen].map(([id, p]) => h('option', { value: String(id) },
    `Set ${id}: ${[p.subject, p.location, p.category].filter(Boolean).join(' · ')}`)));
  sel.value = seen.has(Number(keep)) ? keep : '';
}

/** Apply the in-memory filters, keeping the current photo when it is still shown. */
export function applyFilters() {
  const f = filters();
  const keepId = review.wantId ?? current()?.id;
  const wanted = review.wantId;
  review.wantId = null;
  review.view = review.all.filter((p) => {
    if (f.band && qualityBand(p.qr).replace(' ', '') !== f.band) return false;
    if (f.gate && (p.gate_status || 'NONE') !== f.gate) return false;
    if (f.set && String(p.set_id) !== f.set) return false;
    if (f.dup && !p.dup_group) return false;
    if (f.q) {
      const hay = `${p.file_name} ${p.original_name} ${p.caption} ${(p.keywords || []).join(' ')}`.toLowerCase();
      if (!hay.includes(f.q)) return false;
    }
    return true;
  });
  for (const id of [...review.selection]) if (!review.view.some((p) => p.id === id)) review.selection.delete(id);
  strip.setItems(review.view);
  const keep = keepId ? review.view.findIndex((p) => p.id === keepId) : -1;
  go(keep >= 0 ? keep : Math.min(Math.max(review.index, 0), review.view.length - 1), true);
  renderCounts();
  if (wanted && keep < 0) toast(`Photo ${wanted} is not in the review queue any more.`);
}

/** Open one photo in Review (from the run report): clear the filters so it is shown, then go there. */
function openPhoto(id) {
  $('#flt-status').value = 'open';
  for (const sel of ['#flt-band', '#flt-gate', '#flt-set']) $(sel).value = '';
  $('#flt-dup').checked = false;
  $('#flt-q').value = '';
  review.wantId = id;
  emit('navigate', 'review'); // the view change reloads the list, and applyFilters picks `wantId`
}

/** Show photo `index` of the filtered list. Kept light: the detail fetch is deferred. */
export function go(index, force = false) {
  if (!review.view.length) {
    review.index = -1;
    strip.setCurrent(-1);
    editor.show(null);
    preview.show(null);
    info.show(null, null);
    $('#review-empty').hidden = false;
    $('.review-main').classList.add('is-empty');
    return;
  }
  $('#review-empty').hidden = true;
  $('.review-main').classList.remove('is-empty');
  index = Math.max(0, Math.min(review.view.length - 1, index));
  if (index === review.index && !force && editor.photo === review.view[index]) return;
  review.index = index;
  const p = review.view[index];
  strip.setCurrent(index);
  editor.show(p, `${index + 1} of ${review.view.length}`);
  preview.show(p);
  info.show(p, review.details.get(p.id) || null);
  updateUndoButtons();
  clearTimeout(detailTimer);
  detailTimer = setTimeout(() => loadDetail(p), 120);
}

function move(delta) {
  go(review.index + delta);
}

async function loadDetail(p) {
  preview.prefetch([1, 2, -1].map((d) => review.view[review.index + d]?.id).filter(Boolean));
  const edits = p.__edits || 0;
  try {
    const detail = await api(`/api/photos/${p.id}`);
    review.details.set(p.id, detail);
    if (review.details.size > 200) review.details.delete(review.details.keys().next().value);
    if ((p.__edits || 0) !== edits) {
      // Saved while this was on its way: the answer is older than our text; take only the rest.
      const rest = { ...detail.photo };
      for (const f of EDIT_FIELDS) delete rest[f];
      delete rest.status;
      Object.assign(p, rest);
    } else Object.assign(p, detail.photo);
    if (Array.isArray(detail.findings)) p.findings = detail.findings; // the gate's field placement
    if (current() === p) {
      editor.refresh(p);
      info.show(p, detail);
    }
  } catch (err) {
    if (err.status !== 404) toast(`Details could not be loaded: ${err.message}`, 'error');
  }
}

function renderCounts() {
  const n = { in_review: 0, approved: 0, other: 0 };
  for (const p of review.all) {
    if (p.status === 'in_review' || p.status === 'quarantined') n.in_review++;
    else if (p.status === 'approved') n.approved++;
  }
  fill($('#review-counts'), `${review.view.length} shown · ${n.in_review} pending · ${n.approved} approved`);
  const sel = review.selection.size;
  $('#bulk-bar').hidden = sel === 0;
  $('#bulk-count').textContent = `${sel} selected`;
  strip.redecorate();
}

function updateUndoButtons() {
  const p = current();
  $('#do-undo').disabled = !p || !canUndo(p.id);
  $('#do-redo').disabled = !p || !canRedo(p.id);
}

function photoChanged(p) {
  const i = review.view.indexOf(p);
  if (i >= 0) strip.refreshItem(i);
  if (current() === p) { editor.renderHead(); editor.renderIssues(); }
  renderCounts();
  updateUndoButtons();
  emit('photos-changed');
}

/** The photos a decision key acts on: the selection when there is one, else the current photo. */
function targets() {
  if (review.selection.size) return review.view.filter((p) => review.selection.has(p.id));
  return current() ? [current()] : [];
}

export async function decide(action, list = null) {
  const fromSelection = !list && review.selection.size > 0;
  list = list || targets();
  if (!list.length) return;
  await editor.flushNow();
  if (fromSelection || list.length > 1) return bulk(action, list);
  const p = list[0];
  const before = { status: p.status, caption: p.caption, alt_text: p.alt_text, keywords: (p.keywords || []).slice() };
  if (action === 'generate') editor.setSaveState('generating');
  try {
    const res = await api(`/api/photos/${p.id}/${action}`, { method: 'POST' });
    Object.assign(p, res.photo);
    if (action === 'approve' || action === 'reopen') record(p.id, { kind: 'decision', before: before.status, after: p.status });
    if (action === 'generate') {
      const after = { caption: p.caption, alt_text: p.alt_text, keywords: p.keywords };
      delete before.status;
      record(p.id, { kind: 'edit', before, after });
      if (current() === p) editor.fillForm(p);
      editor.setSaveState('saved');
    }
    photoChanged(p);
    toast(action === 'reject' ? `Rejected ${p.file_name || p.original_name}: staged copy removed, name released.`
      : `${DONE_WORD[action]}: ${p.file_name || p.original_name}`, 'info', 2500);
    if ((action === 'approve' || action === 'reject') && current() === p) {
      if (review.index === review.view.length - 1) {
        const left = review.all.filter((x) => x.status === 'in_review' || x.status === 'quarantined').length;
        toast(left ? `That was the last photo in this list; ${left} still wait for a decision (Home goes to the first).`
          : `Every photo has a decision. ${state.approved ? 'Publish when ready.' : ''}`, 'info', 6000);
      } else move(1);
    }
  } catch (err) {
    if (action === 'generate') editor.setSaveState('error', err.message);
    toast(`${VERB[action]} failed for ${p.file_name || p.original_name}: ${err.message}`, 'error', 8000);
  }
  emit('refresh-state');
}

async function bulk(action, list) {
  if (action === 'reject') {
    const ok = await confirmDialog({ title: `Reject ${list.length} photos?`, danger: true, confirm: `Reject ${list.length}`,
      message: 'Their staged copies are removed and their names released. Your original files are not touched. '
        + 'This cannot be undone.', focusConfirm: false });
    if (!ok) return;
  }
  const byId = new Map(list.map((p) => [p.id, p]));
  const before = new Map(list.map((p) => [p.id, p.status]));
  try {
    const res = await api('/api/photos/bulk', { method: 'POST', body: { ids: list.map((p) => p.id), action } });
    let ok = 0;
    const errors = [];
    for (const r of res.results || []) {
      const p = byId.get(r.id);
      if (!p) continue;
      if (r.ok === false || r.error) { errors.push(`${p.file_name || p.original_name}: ${r.error?.message || 'failed'}`); continue; }
      ok++;
      Object.assign(p, r.photo || {});
      if (action === 'approve' || action === 'reopen') record(p.id, { kind: 'decision', before: before.get(p.id), after: p.status });
    }
    review.selection.clear();
    strip.setItems(review.view);
    strip.setCurrent(review.index);
    if (current()) editor.refresh(current());
    photoChanged(current() || list[0]);
    toast(`${DONE_WORD[action]}: ${ok} of ${list.length}${errors.length ? ` · ${errors.length} failed — ${errors[0]}` : ''}`,
      errors.length ? 'error' : 'info', errors.length ? 9000 : 3000);
  } catch (err) {
    toast(`${VERB[action]} failed: ${err.message}`, 'error', 8000);
  }
  emit('refresh-state');
}

async function undoRedo(which) {
  const p = current();
  if (!p) return;
  await editor.flushNow();
  const entry = which === 'undo' ? takeUndo(p.id) : takeRedo(p.id);
  if (!entry) { toast(`Nothing to ${which} for this photo.`, 'info', 2000); return; }
  let ok;
  if (entry.kind === 'edit') {
    ok = await editor.applyValues(p, which === 'undo' ? entry.before : entry.after);
  } else {
    const target = which === 'undo' ? entry.before : entry.after;
    const action = target === 'approved' ? 'approve' : 'reopen';
    try {
      const res = await api(`/api/photos/${p.id}/${action}`, { method: 'POST' });
      Object.assign(p, res.photo);
      ok = true;
    } catch (err) {
      toast(`Could not ${which}: ${err.message}`, 'error');
      ok = false;
    }
  }
  if (!ok) restore(p.id, entry, which);
  else toast(which === 'undo' ? 'Undone' : 'Redone', 'info', 1500);
  photoChanged(p);
  emit('refresh-state');
}

function toggleSelect(p) {
  if (!p) return;
  if (review.selection.has(p.id)) review.selection.delete(p.id);
  else review.selection.add(p.id);
  renderCounts();
}

function extend(delta) {
  const p = current();
  if (!p) return;
  review.selection.add(p.id);
  move(delta);
  if (current()) review.selection.add(current().id);
  renderCounts();
}

async function keepOnly(keeper, members) {
  const others = members.filter((m) => m.id !== keeper.id && !['rejected', 'published', 'publishing'].includes(m.status));
  const list = others.map((m) => review.all.find((x) => x.id === m.id) || m);
  if (list.length) await bulk('reject', list);
}

function onActivate(index, e) {
  const p = review.view[index];
  if (e.ctrlKey || e.metaKey) { toggleSelect(p); return; }
  if (e.shiftKey && review.index >= 0) {
    const [a, b] = [Math.min(index, review.index), Math.max(index, review.index)];
    for (let i = a; i <= b; i++) review.selection.add(review.view[i].id);
    renderCounts();
  }
  go(index);
}

export function focusHome() {
  $('#strip').focus({ preventScroll: true });
}

export function initReview() {
  strip = new Strip($('#strip'), { onActivate });
  preview = new Preview($('#preview'), { onZoomChange: (z) => $('#zoom-btn').setAttribute('aria-pressed', String(z)) });
  info = new InfoPanel($('#info'), {
    onJump: (id) => { const i = review.view.findIndex((p) => p.id === id); if (i >= 0) go(i); else toast('That photo is hidden by the filters.'); },
    onKeepOnly: keepOnly,
  });
  editor = new Editor($('#editor'), {
    onSaved: photoChanged, onDecision: (a) => decide(a, current() ? [current()] : []),
    onUndo: () => undoRedo('undo'), onRedo: () => undoRedo('redo'),
  });
  $('#zoom-btn').addEventListener('click', () => preview.toggleZoom());
  $('#flt-status').addEventListener('change', load);
  for (const id of ['#flt-band', '#flt-gate', '#flt-set', '#flt-dup']) $(id).addEventListener('change', applyFilters);
  $('#flt-q').addEventListener('input', applyFilters);
  for (const a of ['approve', 'reject', 'reopen', 'generate']) {
    $(`#bulk-${a}`).addEventListener('click', () => decide(a));
  }
  $('#bulk-clear').addEventListener('click', () => { review.selection.clear(); renderCounts(); });
  on('view', (v) => { if (v === 'review') { if (!review.ready) { review.ready = true; load().then(markReady); } else load(); } });
  on('refresh-photos', () => { if (review.ready) load(); });
  on('open-photo', openPhoto);
  return { current, move, go, decide, undoRedo, toggleSelect, extend, editor: () => editor, preview: () => preview,
    info: () => info, selectAll: () => { for (const p of review.view) review.selection.add(p.id); renderCounts(); },
    clearSelection: () => { if (!review.selection.size) return false; review.selection.clear(); renderCounts(); return true; },
    pageSize: () => Math.max(1, Math.floor(($('#strip').clientHeight || 600) / strip.rowH) * strip.cols) };
}

function markReady() {
  document.body.dataset.reviewReady = 'true';
  window.__iaReviewReadyAt = performance.now();
  focusHome();
}
