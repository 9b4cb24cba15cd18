// The Run screen: one progress bar per stage with ok/failed/skipped counts, measured throughput,
// an honest ETA, pause / resume / cancel / roll back, and (when done) the text quality report.
// The Ollama / CLIP panel lives in ai_status.js, the report panel in report.js.

import { initAiStatus, refreshAi } from './ai_status.js';
import { api } from './api.js';
import { confirmDialog } from './dialogs.js';
import { $, fill, formatDuration, h, toast } from './dom.js';
import { showReport } from './report.js';
import { emit, on, state } from './state.js';

const ACTIVE = new Set(['running', 'paused', 'interrupted']);
const CHOICE_LABELS = {
  resume: 'Resume', manual: 'Continue without AI text', rollback: 'Roll back this run',
  retry: 'Try again', cancel: 'Cancel the run', pause: 'Pause',
};
let current = null; // last GET /api/runs/<id> reply
let timer = null;
let aiTimer = null;

/** Overall ETA: remaining work of every unfinished stage over its measured rate. */
export function overallEta(stages) {
  let total = 0;
  let unknown = [];
  for (const s of stages) {
    const left = Math.max(0, (s.total || 0) - (s.done || 0));
    if (!left) continue;
    if (s.eta_s !== null && s.eta_s !== undefined && Number.isFinite(s.eta_s)) total += s.eta_s;
    else if (s.rate > 0) total += left / s.rate;
    else unknown.push(s.label || s.name);
  }
  return { seconds: total, unknown };
}

function stageRow(s) {
  const total = s.total || 0;
  const done = s.done || 0;
  const pct = total ? Math.round((100 * done) / total) : 0;
  const rate = s.rate > 0 ? `${s.rate >= 10 ? s.rate.toFixed(0) : s.rate.toFixed(1)} photos/s` : '';
  const left = total - done;
  const eta = left > 0 && s.eta_s !== null && s.eta_s !== undefined ? `about ${formatDuration(s.eta_s)} left` : '';
  return h('div', { class: `stage ${done && done >= total ? 'stage-done' : ''}`, dataset: { stage: s.name } },
    h('div', { class: 'stage-label' }, s.label || s.name),
    h('div', { class: 'bar', role: 'progressbar', 'aria-label': `${s.label || s.name} progress`,
      'aria-valuemin': '0', 'aria-valuemax': String(total), 'aria-valuenow': String(done) },
    h('div', { class: 'bar-fill', style: `width:${pct}%` })),
    h('div', { class: 'stage-count' }, `${done} / ${total}`),
    h('div', { class: 'stage-stats' },
      h('span', { class: 'ok' }, `ok ${s.ok || 0}`), ' · ',
      h('span', { class: s.failed ? 'error-text' : '' }, `failed ${s.failed || 0}`), ' · ',
      h('span', {}, `skipped ${s.skipped || 0}`),
      rate ? ` · ${rate}` : '', eta ? ` · ${eta}` : ''));
}

function render() {
  const runBox = $('#run-body');
  if (!current) {
    fill($('#run-title'), 'No run yet');
    fill(runBox, h('p', { class: 'muted' }, 'Start a run from the Sets screen.'));
    $('#run-actions').hidden = true;
    showReport(null);
    return;
  }
  const { run, stages = [], skipped = [], failed = [] } = current;
  fill($('#run-title'), `Run ${run.id}`, h('span', { class: `run-status status-${run.status}` }, run.status.replace('_', ' ')),
    run.stage ? h('span', { class: 'muted' }, ` · stage: ${run.stage}`) : null);
  const eta = overallEta(stages);
  if (typeof current.eta_s === 'number') { eta.seconds = current.eta_s; eta.unknown = []; }
  const active = stages.find((s) => (s.done || 0) < (s.total || 0) && s.rate > 0);
  let etaText = '';
  if (run.status === 'running') {
    if (eta.unknown.length && !eta.seconds) etaText = 'ETA: measuring…';
    else if (eta.unknown.length) etaText = `ETA: at least ${formatDuration(eta.seconds)} (still measuring ${eta.unknown.join(', ')})`;
    else if (eta.seconds) etaText = `ETA: about ${formatDuration(eta.seconds)}`;
  }
  const pause = run.status === 'paused' && (run.pause_reason || (run.pause_choices || []).length)
    ? h('div', { class: 'pause-box', role: 'alert' },
      h('p', {}, run.pause_reason || 'The run is paused.'),
      h('div', { class: 'row' }, (run.pause_choices || []).map((c) => h('button', { type: 'button',
        class: c === 'rollback' ? 'danger' : 'primary', on: { click: () => act(c) } }, CHOICE_LABELS[c] || c))))
    : null;
  fill(runBox, pause,
    h('div', { class: 'run-totals' },
      active ? h('span', {}, `${active.rate.toFixed(active.rate >= 10 ? 0 : 1)} photos/s in ${active.label || active.name}`) : null,
      etaText ? h('span', { id: 'run-eta' }, etaText) : null),
    h('div', { class: 'stages' }, stages.map(stageRow)),
    failed.length ? h('details', { class: 'failed', open: true },
      h('summary', { class: 'error-text' }, `${failed.length} photo${failed.length === 1 ? '' : 's'} failed; the rest of the run went on`),
      h('ul', {}, failed.map((p) => h('li', {}, p.original_name || p.file_name,
        h('span', { class: 'muted' }, ` — ${p.failed_stage ? `${p.failed_stage}: ` : ''}${p.error || 'no reason recorded'}`))))) : null,
    skipped.length ? h('details', { class: 'skipped' }, h('summary', {}, `${skipped.length} file(s) skipped at intake`),
      h('ul', {}, skipped.map((s) => h('li', {}, s.path, h('span', { class: 'muted' }, ` — ${s.reason}`))))) : null);
  const st = run.status;
  $('#run-actions').hidden = false;
  $('#run-pause').hidden = st !== 'running';
  $('#run-resume').hidden = !(st === 'paused' || st === 'interrupted');
  $('#run-cancel').hidden = !ACTIVE.has(st);
  $('#run-rollback').hidden = st === 'rolled_back';
  $('#run-review').hidden = !(st === 'done' || (state.counts.in_review || 0) > 0);
  showReport(run);
}

async function poll() {
  clearTimeout(timer);
  const id = state.currentRunId;
  if (!id) { current = null; render(); return; }
  try {
    current = await api(`/api/runs/${id}`);
    render();
    const st = current.run.status;
    if (st === 'done' && current._announced !== true) emit('run-finished', current.run);
    if (ACTIVE.has(st)) timer = setTimeout(poll, st === 'running' ? 700 : 2000);
    else emit('refresh-state');
  } catch (err) {
    toast(`Progress could not be read: ${err.message}`, 'error');
    timer = setTimeout(poll, 3000);
  }
}

async function act(action) {
  if (!current) return;
  if (action === 'rollback') {
    const ok = await confirmDialog({ title: 'Roll back this run?', danger: true, confirm: 'Roll back', focusConfirm: false,
      message: 'Its photos leave the review queue, staged copies are deleted and their names are released. '
        + 'Your original files are never touched.' });
    if (!ok) return;
  }
  if (action === 'cancel') {
    const ok = await confirmDialog({ title: 'Cancel this run?', confirm: 'Cancel run', cancel: 'Keep running', focusConfirm: false,
      message: 'Photos already in review stay there; the rest stop where they are. You can roll back afterwards.' });
    if (!ok) return;
  }
  try {
    const res = await api(`/api/runs/${current.run.id}/${action}`, { method: 'POST' });
    current.run = res.run;
    render();
    toast(`Run ${res.run.id}: ${res.run.status.replace('_', ' ')}`);
  } catch (err) {
    toast(err.message, 'error', 8000);
  }
  poll();
  emit('refresh-state');
}

function renderPicker() {
  const sel = $('#run-pick');
  const runs = state.runs || [];
  sel.hidden = runs.length < 2;
  fill(sel, runs.map((r) => h('option', { value: String(r.id) }, `Run ${r.id} · ${r.status.replace('_', ' ')}`)));
  if (state.currentRunId) sel.value = String(state.currentRunId);
}

export function showRun(id) {
  if (id) state.currentRunId = id;
  poll();
}

export function initRun() {
  for (const a of ['pause', 'resume', 'cancel', 'rollback']) $(`#run-${a}`).addEventListener('click', () => act(a));
  $('#run-review').addEventListener('click', () => emit('navigate', 'review'));
  on('run-started', (run) => showRun(run.id));
  on('state', renderPicker);
  $('#run-pick').addEventListener('change', (e) => showRun(Number(e.target.value)));
  on('sse', (msg) => {
    const rid = msg.run_id ?? msg.run?.id;
    if ((msg.type === 'progress' || msg.type === 'run') && (!rid || rid === state.currentRunId)) {
      clearTimeout(timer);
      timer = setTimeout(poll, 150);
    }
  });
  on('view', (view) => {
    clearInterval(aiTimer);
    if (view === 'run') {
      poll();
      aiTimer = setInterval(refreshAi, 30000);
    }
  });
  initAiStatus();
  render();
}
