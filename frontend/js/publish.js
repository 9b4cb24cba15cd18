// The Publish button: always shows how many photos are approved; publishing is a deliberate,
// confirmed action whose progress shows on the button until the job ends.

import { api } from './api.js';
import { confirmDialog } from './dialogs.js';
import { $, toast } from './dom.js';
import { emit, on, state } from './state.js';

let job = null;
let timer = null;
let startedAt = 0; // when this window asked to publish; the worker thread may not have begun yet
let previousId = null; // id of the job before ours: its (old) result must not be reported as ours

function render() {
  const btn = $('#publish-btn');
  if (job && job.status === 'running') {
    btn.textContent = `Publishing ${job.done || 0} / ${job.total || 0}…`;
    btn.setAttribute('aria-disabled', 'true');
    return;
  }
  const n = state.approved || 0;
  btn.textContent = `Publish ${n} approved`;
  btn.setAttribute('aria-disabled', String(n === 0));
  btn.dataset.count = String(n);
}

async function poll() {
  clearTimeout(timer);
  try {
    const res = await api('/api/publish');
    const was = job && job.status;
    const fresh = res.job || null;
    const notOursYet = fresh && fresh.status !== 'running' && (fresh.status === 'idle'
      || (previousId !== null && (fresh.id ?? 0) <= previousId));
    if (was === 'running' && notOursYet && Date.now() - startedAt < 10000) {
      timer = setTimeout(poll, 300); // our job has not started yet
      return;
    }
    job = fresh;
    if (typeof res.approved === 'number') state.approved = res.approved;
    render();
    if (job && job.status === 'running') timer = setTimeout(poll, 800);
    else if (was === 'running' && job) finished();
  } catch (err) {
    toast(`Publish status unknown: ${err.message}`, 'error');
  }
}

function finished() {
  const failed = job.failed || 0;
  const ok = job.published ?? ((job.done || 0) - failed);
  const first = (job.errors || [])[0];
  toast(`Publish finished: ${ok} published${failed ? `, ${failed} failed and stay approved — ${first ? first.message : 'see the photo'}` : ''}.`,
    failed ? 'error' : 'info', failed ? 12000 : 6000);
  emit('refresh-state');
  emit('refresh-photos');
}

async function start() {
  const n = state.approved || 0;
  if (job && job.status === 'running') return;
  if (!n) { toast('Approve photos in Review first; only approved photos are published.', 'warn'); return; }
  const target = state.settings.publish_target === 'ftp' ? 'your web host' : 'the local site folder';
  const ok = await confirmDialog({ title: `Publish ${n} approved photo${n === 1 ? '' : 's'}?`, confirm: `Publish ${n}`,
    message: `Web images and thumbnails are made and copied to ${target}, and the catalog is updated. `
      + 'Publishing again never creates duplicates.' });
  if (!ok) return;
  try {
    startedAt = Date.now();
    previousId = job && job.id !== undefined ? job.id : null;
    const res = await api('/api/publish', { method: 'POST' });
    job = res.job || { status: 'running', done: 0, total: n };
    render();
    poll();
  } catch (err) {
    toast(`Publishing did not start: ${err.message}`, 'error', 9000);
  }
}

export function initPublish() {
  $('#publish-btn').addEventListener('click', start);
  on('state', render);
  render();
  poll();
}
