// The Ollama / CLIP status panel of the Run screen (and the short line in the header): the probe
// line per host, a "Pull <model>" button when a reachable host lacks the configured model, a
// progress bar fed by the event stream's `pull` events, and the CLIP hints note.

import { api } from './api.js';
import { $, fill, h } from './dom.js';
import { on } from './state.js';

const STALL_MS = 90_000; // no pull event for this long: say so and let the user try again
let pull = null; // { model, percent, status, phase: 'pulling'|'done'|'error', message }
let lastStatus = null;
let stallTimer = null;
let pollTimer = null;

/** Fallback for hosts without the backend's own `line`. */
export function describeHost(x) {
  if (x.line) return x.line;
  if (!x.reachable) return `Ollama at ${x.host}: not reachable${x.error ? ` (${x.error})` : ''}`;
  const bits = [x.model || 'no vision model', x.processor ? `on ${x.processor}` : '',
    x.context ? `context ${x.context}` : '', x.vram_gib ? `VRAM ${x.vram_gib} GiB` : ''].filter(Boolean);
  return `Ollama at ${x.host}: ${bits.join(' · ')}`;
}

export function describeAi(hosts) {
  if (!hosts || !hosts.length) return 'Ollama: no host configured';
  return hosts.map(describeHost).join(' | ');
}

/** The model a reachable host is missing (the one a Pull fetches), or ''. */
export function missingModel(hosts) {
  const x = (hosts || []).find((y) => y.reachable && !y.model_present && y.model);
  return x ? x.model : '';
}

export async function refreshAi() {
  try {
    lastStatus = await api('/api/ai/status');
    const hosts = lastStatus.hosts || [];
    $('#ai-probe').textContent = describeAi(hosts);
    $('#ai-line').textContent = hosts.length ? describeHost(hosts[0]) : 'Ollama: no host configured';
    if (pull && pull.phase === 'pulling' && !missingModel(hosts) && hosts.some((x) => x.model === pull.model)) {
      finish('done'); // the stream's "success" was missed, but the model is there now
      return;
    }
  } catch (err) {
    lastStatus = null;
    $('#ai-probe').textContent = err.status === 404 ? '' : `Ollama status unknown: ${err.message}`;
  }
  render();
}

function render() {
  const box = $('#ai-tools');
  const hosts = lastStatus?.hosts || [];
  const model = missingModel(hosts);
  const busy = pull?.phase === 'pulling';
  const clip = lastStatus?.clip;
  const pct = pull && Number.isFinite(pull.percent) ? Math.round(pull.percent) : 0;
  fill(box,
    model || busy ? h('div', { class: 'pull-row' },
      h('button', { type: 'button', id: 'ai-pull', class: 'primary', disabled: busy,
        on: { click: () => startPull(busy ? pull.model : model) } }, `Pull ${busy ? pull.model : model}`),
      h('span', { class: 'muted' }, busy ? '' : `${model} is not installed on the Ollama server yet.`)) : null,
    pull ? h('div', { class: `pull-progress pull-${pull.phase}`, id: 'ai-pull-progress' },
      h('div', { class: 'bar', role: 'progressbar', 'aria-label': `Pulling ${pull.model}`,
        'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct) },
      h('div', { class: 'bar-fill', style: `width:${pct}%` })),
      h('span', { class: 'pull-pct', id: 'ai-pull-pct' }, `${pct} %`),
      h('span', { id: 'ai-pull-msg', class: pull.phase === 'error' ? 'error-text' : pull.phase === 'done' ? 'ok' : 'muted',
        role: pull.phase === 'error' ? 'alert' : 'status' }, pull.message)) : null,
    clip ? h('p', { class: 'muted clip-note', id: 'ai-clip' },
      clip.ok ? `CLIP hints are on (${clip.weights}).` : clip.message || 'CLIP hints are off.') : null);
}

function watch() {
  clearTimeout(stallTimer);
  stallTimer = setTimeout(() => finish('error', `No progress from Ollama for ${STALL_MS / 1000} s; check the server and try again.`), STALL_MS);
}

function finish(phase, message = '') {
  clearTimeout(stallTimer);
  clearInterval(pollTimer);
  if (!pull || pull.phase !== 'pulling') return;
  pull.phase = phase;
  if (phase === 'done') {
    pull.percent = 100;
    pull.message = message || `Done: ${pull.model} is installed.`;
  } else pull.message = `Pull of ${pull.model} failed: ${message || 'no reason given'}`;
  render();
  if (phase === 'done') refreshAi();
}

async function startPull(model) {
  if (!model || pull?.phase === 'pulling') return;
  pull = { model, percent: 0, phase: 'pulling', message: `Asking Ollama for ${model}…` };
  render();
  try {
    const res = await api('/api/ai/pull', { method: 'POST', body: { model } });
    pull.model = res.model || model;
  } catch (err) {
    finish('error', err.message);
    return;
  }
  if (pull.phase !== 'pulling') return; // the stream already reported the end (a fast pull)
  watch();
  clearInterval(pollTimer);
  pollTimer = setInterval(refreshAi, 5000); // catches the end even if stream events were lost
}

function onPullEvent(msg) {
  if (!pull || pull.phase !== 'pulling' || msg.model !== pull.model) return;
  watch();
  if (msg.error || msg.status === 'error') { finish('error', msg.error || msg.status); return; }
  if (msg.status === 'success') { finish('done'); return; }
  if (Number.isFinite(msg.percent)) pull.percent = msg.percent;
  else if (msg.total > 0) pull.percent = (100 * (msg.completed || 0)) / msg.total;
  const pct = Math.round(pull.percent);
  pull.message = `${msg.status || 'pulling'}${msg.total > 0 ? ` · ${pct} %` : ''}`;
  render();
}

export function initAiStatus() {
  on('sse', (msg) => { if (msg.type === 'pull') onPullEvent(msg); });
  refreshAi();
}
