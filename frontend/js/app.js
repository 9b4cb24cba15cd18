// Composition root of the frontend: loads the shared state, wires the screens together, switches
// views, listens to the server's event stream, and offers to resume an interrupted run.

import { api, eventsUrl } from './api.js';
import { $, $$, debounce, fill, h, toast } from './dom.js';
import { initKeys } from './keys.js';
import { initPublish } from './publish.js';
import { initReview } from './review.js';
import { initRun, showRun } from './run.js';
import { initSets } from './sets.js';
import { registerShortcuts } from './shortcuts.js';
import { emit, on, state } from './state.js';

const VIEWS = ['sets', 'run', 'review'];

function navigate(view) {
  if (!VIEWS.includes(view)) view = 'sets';
  state.view = view;
  for (const v of VIEWS) {
    $(`#view-${v}`).hidden = v !== view;
    $(`#tab-${v}`).setAttribute('aria-selected', String(v === view));
  }
  if (location.hash !== `#${view}`) history.replaceState(null, '', `${location.pathname}${location.search}#${view}`);
  emit('view', view);
}

async function refreshState() {
  try {
    const res = await api('/api/state');
    state.runs = res.runs || [];
    state.counts = res.counts || {};
    state.approved = res.approved || 0;
    state.settings = res.settings || {};
    const pending = (state.counts.in_review || 0) + (state.counts.quarantined || 0);
    $('#review-count').textContent = pending ? String(pending) : '';
    $('#review-count').setAttribute('aria-label', `${pending} waiting for review`);
    renderInterrupted();
    emit('state', state);
  } catch (err) {
    toast(`The app state could not be read: ${err.message}`, 'error');
  }
}

function renderInterrupted() {
  const box = $('#banner');
  const runs = state.runs.filter((r) => r.status === 'interrupted');
  if (!runs.length) { box.hidden = true; box.replaceChildren(); return; }
  const r = runs[0];
  fill(box, h('span', {}, `Run ${r.id} was interrupted${r.stage ? ` during ${r.stage}` : ''}. Nothing was lost: it can continue where it stopped.`),
    h('button', { type: 'button', class: 'primary', on: { click: () => resumeInterrupted(r.id) } }, 'Resume run'),
    h('button', { type: 'button', class: 'ghost', on: { click: () => { showRun(r.id); navigate('run'); } } }, 'Show run'));
  box.hidden = false;
}

async function resumeInterrupted(id) {
  try {
    await api(`/api/runs/${id}/resume`, { method: 'POST' });
    toast(`Run ${id} resumed.`);
  } catch (err) {
    toast(`Run ${id} could not resume: ${err.message}`, 'error', 9000);
  }
  showRun(id);
  navigate('run');
  refreshState();
}

function connectEvents() {
  if (typeof EventSource === 'undefined') return;
  let failures = 0;
  const src = new EventSource(eventsUrl());
  src.onmessage = (e) => {
    failures = 0;
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; }
    emit('sse', msg);
    if (msg.type === 'run' || msg.type === 'photo') later();
    if (msg.type === 'run' && (msg.run?.status || msg.status) === 'done') emit('refresh-photos');
  };
  src.onerror = () => { if (++failures > 5) src.close(); }; // polling keeps the screens current
}

const later = debounce(refreshState, 400);

async function loadKnown() {
  try {
    state.known = { ...state.known, ...(await api('/api/known')) };
  } catch { /* autocomplete simply offers nothing */ }
}

async function boot() {
  await refreshState();
  loadKnown();
  initKeys(() => state.view);
  initSets();
  initRun();
  const r = initReview();
  registerShortcuts(r);
  initPublish();
  for (const tab of $$('[role=tab][data-view]')) tab.addEventListener('click', () => navigate(tab.dataset.view));
  $('#help-btn').addEventListener('click', () => import('./keys.js').then((m) => m.showHelp()));
  on('navigate', navigate);
  window.addEventListener('hashchange', () => navigate(location.hash.replace('#', '')));
  on('refresh-state', later);
  on('photos-changed', later);
  on('run-finished', () => { refreshState(); emit('refresh-photos'); });
  const active = state.runs.find((x) => ['running', 'paused', 'interrupted'].includes(x.status)) || state.runs[0];
  if (active) state.currentRunId = active.id;
  const wanted = location.hash.replace('#', '');
  const pending = (state.counts.in_review || 0) + (state.counts.quarantined || 0);
  navigate(VIEWS.includes(wanted) ? wanted
    : active && ['running', 'paused'].includes(active.status) ? 'run' : pending ? 'review' : 'sets');
  connectEvents();
  document.body.dataset.ready = 'true';
}

boot();
