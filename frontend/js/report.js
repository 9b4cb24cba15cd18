// The "Text quality report" panel of the Run screen: what the gate thought of a finished run
// (GET /api/runs/<id>/report, written by backend/qc_report.py): counts per verdict, duplicate
// groups, and every flagged photo with its reasons, each opening that photo in Review.

import { api } from './api.js';
import { $, fill, h } from './dom.js';
import { emit } from './state.js';

const VERDICTS = [
  ['PASS_HIGH', 'pass_high', 'clean'], ['PASS_REPAIRED', 'pass_repaired', 'repaired'],
  ['PASS_GENERIC', 'pass_generic', 'generic'], ['FAIL_BLOCKED', 'fail_blocked', 'need work'],
];
const MAX_LISTED = 50;
let shownFor = null; // run id whose report is shown (or being fetched)

const words = (tag) => String(tag).replace(/^repaired:/, '').replace(/_/g, ' ');

/** Show the report of `run` when it is done; hide the panel otherwise. */
export async function showReport(run) {
  const box = $('#run-report');
  if (!run || run.status !== 'done') {
    shownFor = null;
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  if (shownFor === run.id) return;
  shownFor = run.id;
  try {
    const report = await api(`/api/runs/${run.id}/report`);
    if (shownFor !== run.id) return;
    render(box, report);
  } catch (err) {
    if (shownFor !== run.id) return;
    if (err.status === 404) { box.hidden = true; box.replaceChildren(); return; }
    fill(box, h('h3', {}, 'Text quality report'), h('p', { class: 'error-text' }, `It could not be read: ${err.message}`));
    box.hidden = false;
    shownFor = null; // try again on the next render
  }
}

/** "caption 1 · near alt 2": the duplicate groups per kind, in the report's order. */
function byKind(groups) {
  const n = new Map();
  for (const g of groups) {
    const k = words(g.kind).replace(/^duplicate /, '').replace(/^near duplicate /, 'near ');
    n.set(k, (n.get(k) || 0) + 1);
  }
  return [...n].map(([k, c]) => `${k} ${c}`).join(' · ');
}

function render(box, report) {
  const s = report.summary || {};
  const groups = report.duplicate_groups || [];
  const flagged = report.flagged || [];
  const counts = h('ul', { class: 'report-counts', 'aria-label': 'Verdicts' },
    VERDICTS.map(([code, key, label]) => h('li', { dataset: { verdict: code } },
      h('span', { class: `badge gate-${code}` }, code), ' ', h('strong', { class: 'n' }, String(s[key] ?? 0)),
      h('span', { class: 'muted' }, ` ${label}`))),
    h('li', { dataset: { verdict: 'duplicates' } }, 'Duplicate groups ', h('strong', { class: 'n' }, String(groups.length)),
      groups.length ? h('span', { class: 'muted' }, ` (${byKind(groups)})`) : null),
    s.needs_manual_text ? h('li', {}, 'Without AI text ', h('strong', { class: 'n' }, String(s.needs_manual_text))) : null);
  const item = (f) => h('li', { dataset: { photoId: String(f.id) } },
    h('button', { type: 'button', class: 'link', title: 'Open this photo in Review',
      on: { click: () => emit('open-photo', f.id) } }, f.file_name || `Photo ${f.id}`),
    ' ', h('span', { class: `badge gate-${f.status}` }, String(f.status || '').replace(/_/g, ' ')),
    h('span', { class: 'reasons' }, ` ${(f.reasons || []).map(words).join(', ') || 'no reason recorded'}`),
    (f.repairs || []).length ? h('span', { class: 'muted' }, ` · repaired: ${f.repairs.map(words).join(', ')}`) : null);
  fill(box,
    h('h3', {}, 'Text quality report'),
    h('p', { class: 'muted' }, `${s.photos ?? 0} photo${s.photos === 1 ? '' : 's'} checked · ${flagged.length} flagged`
      + (s.duplicate_photos ? ` · ${s.duplicate_photos} photo${s.duplicate_photos === 1 ? '' : 's'} in duplicate groups` : '')),
    counts,
    flagged.length ? h('ul', { class: 'report-flagged', 'aria-label': 'Flagged photos' },
      flagged.slice(0, MAX_LISTED).map(item)) : h('p', { class: 'ok' }, 'Nothing flagged.'),
    flagged.length > MAX_LISTED ? h('p', { class: 'muted' },
      `…and ${flagged.length - MAX_LISTED} more; in Review, filter by Check to see them all.`) : null);
  box.hidden = false;
}
