// The Sets screen: folders/files arrive (pywebview drop event, native picker, or pasted paths),
// each set gets Subject / Location / Category / hint keywords with live checks, and a run starts.

import { api } from './api.js';
import { attachAutocomplete } from './autocomplete.js';
import { $, debounce, fill, h, toast } from './dom.js';
import { attachSpell } from './spell.js';
import { emit, state } from './state.js';
import { baseName, classifyName, looksLikeImageFile, titleCaseInput, toLocationToken } from './text.js';

const sets = []; // {key, paths, subject, location, category, hints, preview, confirmed:{}, el, ...}
let nextKey = 1;

/** Split incoming paths into sets: one per folder, loose image files together in one set. */
export function addPaths(paths) {
  const clean = (paths || []).map((p) => String(p).trim()).filter(Boolean);
  if (!clean.length) return;
  const files = clean.filter(looksLikeImageFile);
  const folders = clean.filter((p) => !looksLikeImageFile(p));
  for (const folder of folders) addSet([folder]);
  if (files.length) addSet(files);
  emit('navigate', 'sets');
}

function guessCategory(paths) {
  if (paths.length !== 1 || looksLikeImageFile(paths[0])) return '';
  const guess = classifyName(baseName(paths[0]), state.known.categories || []);
  return guess.kind === 'known' ? guess.match : '';
}

function addSet(paths) {
  const set = {
    key: nextKey++, paths, subject: '', location: '', category: guessCategory(paths), hints: '',
    preview: null, previewError: '', confirmed: { location: '', category: '' }, spell: null,
  };
  sets.push(set);
  renderSet(set);
  renderSummary();
  refreshPreview(set);
  set.el.querySelector('input[name=subject]').focus();
}

function removeSet(set) {
  sets.splice(sets.indexOf(set), 1);
  set.el.remove();
  renumber();
  renderSummary();
}

function renumber() {
  sets.forEach((s, i) => { s.el.querySelector('.set-no').textContent = `Set ${i + 1}`; });
}

function field(set, name, label, extra = {}) {
  const id = `set${set.key}-${name}`;
  const input = h('input', { id, name, type: 'text', value: set[name], spellcheck: 'false', ...extra });
  const note = h('div', { class: 'field-note', id: `${id}-note`, 'aria-live': 'polite' });
  input.setAttribute('aria-describedby', note.id);
  const wrap = h('div', { class: `field field-${name}` }, h('label', { for: id }, label), input, note);
  return { wrap, input, note };
}

function renderSet(set) {
  const subject = field(set, 'subject', 'Subject', { placeholder: 'e.g. Foggy Bike Path' });
  const location = field(set, 'location', 'Location', { placeholder: 'City_Country, e.g. Amsterdam_Netherlands' });
  const category = field(set, 'category', 'Category', { placeholder: 'e.g. Landscape' });
  const hints = field(set, 'hints', 'Hint keywords', { placeholder: 'optional, comma separated' });
  const preview = h('div', { class: 'name-preview', 'aria-live': 'polite' });
  const details = h('div', { class: 'set-details' });
  const shown = set.paths.slice(0, 3).map((p) => h('li', { title: p }, p));
  const more = set.paths.length > 3 ? h('li', { class: 'muted' }, `and ${set.paths.length - 3} more`) : null;
  set.el = h('article', { class: 'set-card', dataset: { key: set.key }, 'aria-label': `Set ${sets.length}` },
    h('header', { class: 'set-head' },
      h('h3', { class: 'set-no' }, `Set ${sets.length}`),
      h('span', { class: 'set-count muted' }, 'counting photos…'),
      h('button', { type: 'button', class: 'ghost', 'aria-label': `Remove set ${sets.length}`,
        on: { click: () => removeSet(set) } }, 'Remove')),
    h('ul', { class: 'set-paths' }, shown, more),
    h('div', { class: 'set-fields' }, subject.wrap, location.wrap, category.wrap, hints.wrap),
    preview, details);
  set.ui = { subject, location, category, hints, preview, details };
  $('#sets-list').append(set.el);

  const changed = debounce(() => refreshPreview(set), 300);
  subject.input.addEventListener('input', () => {
    titleCaseInput(subject.input);
    set.subject = subject.input.value;
    changed();
  });
  set.spell = attachSpell(subject.input, subject.note, { label: 'Subject spelling' });
  hints.input.addEventListener('input', () => { set.hints = hints.input.value; });
  attachSpell(hints.input, hints.note, { label: 'Hint spelling' });

  attachAutocomplete(location.input, () => state.known.locations || [], () => checkTaxonomy(set));
  location.input.addEventListener('input', () => { set.location = location.input.value; changed(); checkTaxonomy(set); });
  location.input.addEventListener('blur', () => {
    const token = toLocationToken(location.input.value);
    if (token !== location.input.value) {
      location.input.value = token;
      set.location = token;
      changed();
    }
    checkTaxonomy(set);
  });
  attachAutocomplete(category.input, () => state.known.categories || [], () => checkTaxonomy(set));
  category.input.addEventListener('input', () => { set.category = category.input.value; changed(); checkTaxonomy(set); });
  category.input.addEventListener('blur', () => checkTaxonomy(set));
  checkTaxonomy(set);
}

/** Location / Category against the known lists: known ✓, near miss → warn, new → must confirm. */
function checkTaxonomy(set) {
  const pairs = [['location', 'locations', 'location'], ['category', 'categories', 'category']];
  for (const [name, list, word] of pairs) {
    const { input, note } = set.ui[name];
    const value = input.value.trim();
    const verdict = classifyName(value, state.known[list] || []);
    set[`${name}Verdict`] = verdict;
    input.classList.toggle('warn', verdict.kind === 'near' || (verdict.kind === 'new' && set.confirmed[name] !== value));
    // Re-render only on a real change: a blur must not replace the button the user is clicking.
    const sig = JSON.stringify([verdict, value, set.confirmed[name] === value]);
    if (note.dataset.sig === sig) continue;
    note.dataset.sig = sig;
    if (verdict.kind === 'empty') fill(note);
    else if (verdict.kind === 'known') fill(note, h('span', { class: 'ok' }, `Known ${word}`));
    else if (set.confirmed[name] === value) fill(note, h('span', { class: 'ok' }, `New ${word} “${value}” will be added`));
    else {
      const use = (match) => h('button', { type: 'button', class: 'chip-btn',
        on: { click: () => { input.value = match; set[name] = match; checkTaxonomy(set); refreshPreview(set); } } },
      `Use “${match}”`);
      const confirm = h('button', { type: 'button', class: 'chip-btn keep',
        on: { click: () => { set.confirmed[name] = value; checkTaxonomy(set); renderSummary(); } } },
      verdict.kind === 'near' ? `Create new “${value}”` : `Confirm new ${word}`);
      fill(note, h('span', { class: verdict.kind === 'near' ? 'warn-text' : 'muted' },
        verdict.kind === 'near' ? `Looks like an existing ${word}. ` : `“${value}” is a new ${word}. `),
      verdict.kind === 'near' ? verdict.matches.map(use) : null, confirm);
    }
  }
  renderSummary();
}

async function refreshPreview(set) {
  const seq = (set.previewSeq = (set.previewSeq || 0) + 1);
  try {
    const res = await api('/api/sets/preview', { method: 'POST', body: {
      paths: set.paths, subject: set.subject, location: set.location, category: set.category,
    } });
    if (seq !== set.previewSeq || !sets.includes(set)) return;
    set.preview = res;
    set.previewError = '';
    if (res.known) {
      state.known = { ...state.known, ...res.known };
      checkTaxonomy(set);
    }
  } catch (err) {
    if (seq !== set.previewSeq) return;
    set.preview = null;
    set.previewError = err.message;
  }
  renderPreview(set);
  renderSummary();
}

function renderPreview(set) {
  const p = set.preview;
  const count = set.el.querySelector('.set-count');
  if (!p) {
    count.textContent = '';
    fill(set.ui.preview, h('span', { class: 'error-text' }, set.previewError || ''));
    return;
  }
  count.textContent = `${p.files} photo${p.files === 1 ? '' : 's'}`;
  const max = p.name_max || p.max || state.settings.name_max_length || 150;
  const name = p.name_preview || '';
  fill(set.ui.preview,
    h('span', { class: 'muted' }, 'First file name: '),
    h('code', { class: p.name_too_long ? 'error-text' : '' }, name || '(fill Subject, Location and Category)'),
    name ? h('span', { class: p.name_too_long ? 'error-text' : 'muted' }, `  ${name.length} / ${max} characters`) : null,
    p.name_too_long ? h('div', { class: 'error-text', role: 'alert' },
      'This name is too long and would be refused. Shorten the Subject, Location or Category.') : null);
  const skipped = p.skipped || [];
  const flags = p.flags || [];
  fill(set.ui.details,
    flags.length ? h('details', { class: 'flags', open: true },
      h('summary', {}, `${flags.length} file${flags.length === 1 ? ' is' : 's are'} already queued or published`),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: set.skipFlagged !== false,
        on: { change: (e) => { set.skipFlagged = e.target.checked; } } }),
      ' Leave these out of the run (recommended)'),
      h('ul', {}, flags.map((f) => h('li', {}, h('span', { class: `flag flag-${f.kind}` }, f.kind), ' ', baseName(f.path),
        f.detail ? h('span', { class: 'muted' }, ` — ${f.detail}`) : null)))) : null,
    skipped.length ? h('details', { class: 'skipped' },
      h('summary', {}, `${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped`),
      h('ul', {}, skipped.map((s) => h('li', {}, baseName(s.path), h('span', { class: 'muted' }, ` — ${s.reason}`))))) : null);
}

/** Problems that block the run, per set, written as the user would fix them. */
function problems() {
  const out = [];
  sets.forEach((s, i) => {
    const n = `Set ${i + 1}`;
    if (s.preview && s.preview.files === 0) out.push([s, 'subject', `${n}: no usable photos in these paths`]);
    if (!s.subject.trim()) out.push([s, 'subject', `${n}: enter a Subject`]);
    if (!s.location.trim()) out.push([s, 'location', `${n}: enter a Location`]);
    else if (s.locationVerdict && s.locationVerdict.kind !== 'known' && s.confirmed.location !== s.location.trim())
      out.push([s, 'location', `${n}: confirm the new location or pick a known one`]);
    if (!s.category.trim()) out.push([s, 'category', `${n}: enter a Category`]);
    else if (s.categoryVerdict && s.categoryVerdict.kind !== 'known' && s.confirmed.category !== s.category.trim())
      out.push([s, 'category', `${n}: confirm the new category or pick a known one`]);
    if (s.preview && s.preview.name_too_long) out.push([s, 'subject', `${n}: the file name would be too long`]);
  });
  return out;
}

function renderSummary() {
  const box = $('#sets-summary');
  if (!box) return;
  $('#sets-empty').hidden = sets.length > 0;
  const photos = sets.reduce((a, s) => a + (s.preview ? s.preview.files : 0), 0);
  const list = problems();
  fill(box, sets.length ? `${sets.length} set${sets.length === 1 ? '' : 's'} · ${photos} photos` : 'No sets yet',
    list.length ? h('span', { class: 'warn-text' }, ` · ${list.length} thing${list.length === 1 ? '' : 's'} to fix`) : null);
  $('#start-run').setAttribute('aria-disabled', String(!sets.length || list.length > 0));
}

async function startRun() {
  const list = problems();
  const box = $('#sets-problems');
  if (!sets.length) { toast('Add a folder first: drop it on the window, choose it, or paste its path.', 'warn'); return; }
  if (list.length) {
    fill(box, h('p', {}, 'Before starting:'), h('ul', {}, list.map(([, , msg]) => h('li', {}, msg))));
    box.hidden = false;
    const [s, name] = list[0];
    s.ui[name].input.focus();
    return;
  }
  box.hidden = true;
  const body = {
    sets: sets.map((s) => ({ paths: s.paths, subject: s.subject.trim(), location: s.location.trim(),
      category: s.category.trim(), hint_keywords: s.hints.trim(),
      exclude: s.skipFlagged === false ? [] : (s.preview?.flags || []).map((f) => f.path) })),
    on_ai_unavailable: $('#ai-policy').value,
  };
  const btn = $('#start-run');
  btn.disabled = true;
  try {
    const res = await api('/api/runs', { method: 'POST', body });
    for (const s of sets.splice(0)) s.el.remove();
    renderSummary();
    state.currentRunId = res.run.id;
    emit('run-started', res.run);
    emit('navigate', 'run');
  } catch (err) {
    toast(`The run did not start: ${err.message}`, 'error', 8000);
  } finally {
    btn.disabled = false;
  }
}

/** Native dialogs of the desktop window (`pick_folders` / `pick_files` on the pywebview bridge). */
async function pick(method) {
  try {
    const paths = await window.pywebview.api[method]();
    addPaths(paths || []);
  } catch (err) {
    toast(`The picker failed: ${err.message || err}`, 'error');
  }
}

function setupDrop() {
  const overlay = $('#drop-overlay');
  let depth = 0;
  const hasFiles = (e) => Array.from(e.dataTransfer?.types || []).includes('Files');
  window.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; overlay.hidden = false; } });
  window.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) overlay.hidden = true; });
  window.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const files = Array.from(e.dataTransfer?.files || []);
    const full = files.map((f) => f.pywebviewFullPath).filter(Boolean);
    if (full.length) addPaths(full);
    else if (!window.pywebview) {
      toast('A browser cannot see where dropped folders live. Paste their paths in the field instead.', 'warn', 7000);
      $('#paste-paths').focus();
    }
    // In the desktop window the Python side sends the full paths with `ia:dropped`.
  });
  window.addEventListener('ia:dropped', (e) => addPaths(e.detail?.paths || []));
}

export function initSets() {
  setupDrop();
  const pickers = [['#pick-folders', 'pick_folders'], ['#pick-files', 'pick_files']];
  const showPickers = () => {
    for (const [sel, method] of pickers) $(sel).hidden = !(window.pywebview?.api?.[method]);
  };
  showPickers();
  window.addEventListener('pywebviewready', showPickers);
  for (const [sel, method] of pickers) $(sel).addEventListener('click', () => pick(method));
  $('#paste-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const area = $('#paste-paths');
    addPaths(area.value.split(/\r?\n/));
    area.value = '';
  });
  $('#paste-paths').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('#paste-form').requestSubmit(); }
  });
  $('#start-run').addEventListener('click', startRun);
  const policy = $('#ai-policy');
  if (state.settings.on_ai_unavailable) policy.value = state.settings.on_ai_unavailable;
  renderSummary();
}
