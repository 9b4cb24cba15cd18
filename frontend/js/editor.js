// The photo editor pane: caption, alt text, keyword chips, file name (live length + uniqueness
// check), subject / location / category, QR override. Autosaves with a visible saved state and
// records one undo entry per save. Gate findings are shown on the fields they concern.

import { api } from './api.js';
import { attachAutocomplete } from './autocomplete.js';
import { Chips } from './chips.js';
import { debounce, fill, h } from './dom.js';
import { state } from './state.js';
import { qualityBand, titleCaseInput } from './text.js';
import { record } from './undo.js';

export const TEXT_FIELDS = ['caption', 'alt_text', 'file_name', 'subject', 'location', 'category'];
export const EDIT_FIELDS = [...TEXT_FIELDS, 'keywords', 'qr'];
const LABELS = { caption: 'Caption', alt_text: 'Alt text', keywords: 'Keywords', file_name: 'File name',
  subject: 'Subject', location: 'Location', category: 'Category', qr: 'Quality rating' };

/** Which field a gate issue tag concerns ("caption_too_short" → caption), or '' for general. */
export function fieldForIssue(tag) {
  const t = String(tag).toLowerCase();
  if (/alt/.test(t)) return 'alt_text';
  if (/caption/.test(t)) return 'caption';
  if (/keyword|kw_/.test(t)) return 'keywords';
  if (/file.?name|filename/.test(t)) return 'file_name';
  if (/location/.test(t)) return 'location';
  if (/subject/.test(t)) return 'subject';
  if (/category|folder/.test(t)) return 'category';
  return '';
}

/**
 * Where a gate issue goes: the backend's placement from GET /api/photos/<id> `findings`
 * ({tag, repaired, blocking, fields}) when the photo has it, else the guess from the tag name.
 * Returns { fields, finding }; `fields` empty means a general finding.
 */
export function placeIssue(issue, findings) {
  const tag = String(issue).replace(/^repaired:/, '');
  const list = Array.isArray(findings) ? findings.filter((x) => x.tag === tag && Array.isArray(x.fields)) : [];
  const finding = list.find((x) => Boolean(x.repaired) === (tag !== String(issue))) || list[0] || null;
  if (finding) return { fields: finding.fields, finding };
  const guess = fieldForIssue(issue);
  return { fields: guess ? [guess] : [], finding: null };
}

const MIN_WORDS = { caption: 7, alt_text: 6 };
const words = (t) => String(t || '').trim().split(/\s+/).filter(Boolean).length;

/**
 * Has the user's edit already fixed this finding? Only plain cases are judged here: "empty" /
 * "missing" and "needs manual text" once the text is there, "too short" once an edited field is
 * long enough (`edited(field)`); everything else stays until the backend checks again.
 */
export function isResolved(tag, field, v, edited = () => true) {
  const t = String(tag).toLowerCase();
  const filled = (f) => (f === 'keywords' ? v.keywords.length > 0 : words(v[f]) > 0);
  if (/manual/.test(t)) return filled('caption') && filled('alt_text') && filled('keywords');
  if (!field) return false;
  if (/empty|missing/.test(t)) return filled(field);
  if (/short|few|count/.test(t) && edited(field)) {
    return field === 'keywords' ? v.keywords.length >= 6 : words(v[field]) >= (MIN_WORDS[field] || 1);
  }
  return false;
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export class Editor {
  constructor(root, { onSaved = () => {}, onDecision = () => {}, onUndo = () => {}, onRedo = () => {} }) {
    this.root = root;
    this.onSaved = onSaved;
    this.photo = null;
    this.saved = {};
    this.nameOk = true;
    this.inputs = {};
    this.notes = {};
    this.fields = {};
    const btn = (action, label, key, cls) => h('button', { type: 'button', class: cls, id: `do-${action}`,
      'aria-keyshortcuts': key, on: { click: () => onDecision(action) } }, label, h('kbd', {}, key));
    this.head = h('div', { class: 'ed-head' },
      h('div', { class: 'ed-title' }, h('span', { class: 'ed-pos muted', id: 'ed-pos' }),
        h('h2', { id: 'ed-name', class: 'ed-name' })),
      h('div', { class: 'ed-badges', id: 'ed-badges' }),
      h('div', { id: 'save-state', class: 'save-state', role: 'status', 'aria-live': 'polite' }));
    this.actions = h('div', { class: 'ed-actions' },
      btn('approve', 'Approve', 'A', 'approve'), btn('reject', 'Reject', 'R', 'reject'),
      btn('reopen', 'Back to pending', 'P', 'ghost'), btn('generate', 'Generate', 'G', 'ghost'),
      h('button', { type: 'button', class: 'ghost small', id: 'do-undo', 'aria-keyshortcuts': 'Control+Z',
        on: { click: onUndo } }, 'Undo'),
      h('button', { type: 'button', class: 'ghost small', id: 'do-redo', 'aria-keyshortcuts': 'Control+Shift+Z',
        on: { click: onRedo } }, 'Redo'));
    this.gateBox = h('div', { class: 'gate-box', id: 'gate-box', 'aria-live': 'polite' });
    const form = h('form', { class: 'ed-form', 'aria-label': 'Photo text and names', on: { submit: (e) => e.preventDefault() } });
    this.saveLater = debounce(() => this.save(), 600);
    for (const name of ['caption', 'alt_text', 'keywords', 'file_name', 'subject', 'location', 'category', 'qr']) {
      form.append(this.makeField(name));
    }
    root.replaceChildren(this.head, this.actions, this.gateBox, form);
    attachAutocomplete(this.inputs.location, () => state.known.locations || []);
    attachAutocomplete(this.inputs.category, () => state.known.categories || []);
    this.checkName = debounce(() => this.remoteNameCheck(), 250);
    this.setSaveState('idle');
  }

  makeField(name) {
    const id = `f-${name}`;
    const note = h('div', { class: 'field-note', id: `${id}-note`, 'aria-live': 'polite' });
    this.notes[name] = note;
    let control;
    if (name === 'keywords') {
      const box = h('div', { class: 'chips-box', id });
      this.chips = new Chips(box, { label: 'Keywords', onChange: () => this.changed('keywords') });
      control = box;
      this.inputs.keywords = this.chips.input;
      const wrap = h('div', { class: 'field field-keywords' }, h('label', { for: this.chips.input.id = `${id}-new` }, 'Keywords'), box, note);
      this.fields[name] = wrap;
      return wrap;
    }
    if (name === 'caption' || name === 'alt_text') {
      control = h('textarea', { id, name, rows: name === 'caption' ? 3 : 2, spellcheck: 'true' });
    } else if (name === 'qr') {
      control = h('input', { id, name, type: 'number', min: '0', max: '10', step: '0.1', inputmode: 'decimal' });
    } else {
      control = h('input', { id, name, type: 'text', spellcheck: name === 'subject' ? 'true' : 'false' });
    }
    control.setAttribute('aria-describedby', note.id);
    if (name === 'subject') control.addEventListener('input', () => titleCaseInput(control));
    control.addEventListener('input', () => this.changed(name));
    control.addEventListener('blur', () => this.saveLater.flush());
    this.inputs[name] = control;
    const label = name === 'qr' ? 'Quality rating (your override, 0–10)' : LABELS[name];
    const wrap = h('div', { class: `field field-${name}` }, h('label', { for: id }, label), control, note);
    this.fields[name] = wrap;
    return wrap;
  }

  /** Current values in the form, in API shape. */
  values() {
    const v = {};
    for (const f of TEXT_FIELDS) v[f] = this.inputs[f].value;
    v.keywords = this.chips.get();
    const qr = this.inputs.qr.value.trim();
    v.qr = qr === '' ? null : Math.round(Number(qr) * 100) / 100;
    return v;
  }

  fromPhoto(p) {
    const v = {};
    for (const f of TEXT_FIELDS) v[f] = p[f] ?? '';
    v.keywords = (p.keywords || []).slice();
    v.qr = p.qr ?? null;
    return v;
  }

  /** Show a photo (the light dict is enough). Flushes the pending save of the previous one first. */
  show(photo, pos = '') {
    this.saveLater.flush();
    this.checkName.cancel();
    this.photo = photo;
    this.root.dataset.photoId = photo ? String(photo.id) : '';
    this.root.hidden = !photo;
    if (!photo) return;
    this.fillForm(photo);
    document.getElementById('ed-pos').textContent = pos;
    this.setSaveState('idle');
  }

  fillForm(photo) {
    this.saved = this.fromPhoto(photo);
    this.loaded = this.fromPhoto(photo); // what the automatic check judged
    for (const f of TEXT_FIELDS) this.inputs[f].value = this.saved[f];
    this.inputs.qr.value = this.saved.qr === null ? '' : String(this.saved.qr);
    this.chips.set(this.saved.keywords);
    this.nameOk = true;
    this.renderHead();
    this.renderIssues();
    this.localNameNote();
  }

  /** Fresher data for the shown photo arrived (detail fetch, generate): refresh unedited fields. */
  refresh(photo) {
    if (!this.photo || photo.id !== this.photo.id) return;
    const dirty = this.dirtyFields();
    const fresh = this.fromPhoto(photo);
    // While a save is on its way the photo object is older than the form: keep the form.
    for (const f of this.inflight ? [] : EDIT_FIELDS) {
      // Untouched by the user and actually different: only then replace (keeps focus and caret).
      if (dirty.includes(f) || same(fresh[f], this.saved[f])) continue;
      this.saved[f] = fresh[f];
      this.loaded[f] = fresh[f];
      if (f === 'keywords') this.chips.set(fresh.keywords);
      else if (f === 'qr') this.inputs.qr.value = fresh.qr === null ? '' : String(fresh.qr);
      else if (document.activeElement !== this.inputs[f] || this.inputs[f].value === '') this.inputs[f].value = fresh[f];
    }
    this.renderHead();
    this.renderIssues();
  }

  dirtyFields() {
    const v = this.values();
    return EDIT_FIELDS.filter((f) => !same(v[f], this.saved[f]));
  }

  renderHead() {
    const p = this.photo;
    document.getElementById('ed-name').textContent = p.file_name || p.original_name || `Photo ${p.id}`;
    const band = qualityBand(p.qr);
    const badges = [h('span', { class: `badge status-${p.status}` }, p.status.replace('_', ' '))];
    if (p.gate_status) badges.push(h('span', { class: `badge gate-${p.gate_status}` }, p.gate_status.replace(/_/g, ' ')));
    badges.push(h('span', { class: `badge band-${band.replace(' ', '')}` },
      p.qr === null || p.qr === undefined ? 'QR —' : `QR ${Number(p.qr).toFixed(1)} ${band}`));
    if (p.dup_group) badges.push(h('span', { class: 'badge dup' }, p.dup_keeper ? 'duplicate · keeper' : 'near-duplicate'));
    if (p.needs_manual_text) badges.push(h('span', { class: 'badge warn' }, 'needs your text'));
    fill(document.getElementById('ed-badges'), badges);
    const st = p.status;
    const reviewable = st === 'in_review' || st === 'quarantined';
    document.getElementById('do-approve').disabled = !reviewable;
    document.getElementById('do-reject').disabled = !(reviewable || st === 'approved');
    document.getElementById('do-reopen').disabled = st !== 'approved';
    document.getElementById('do-generate').disabled = !(reviewable || st === 'approved');
    for (const input of Object.values(this.inputs)) input.disabled = !(reviewable || st === 'approved');
  }

  renderIssues() {
    const p = this.photo;
    const v = this.values();
    const byField = {};
    const general = [];
    let open = 0;
    const edited = (x) => !same(v[x], this.loaded?.[x]);
    for (const issue of p.gate_issues || []) {
      const { fields, finding } = placeIssue(issue, p.findings);
      const repaired = finding?.repaired === true;
      const resolved = repaired || (fields.length ? fields.every((f) => isResolved(issue, f, v, edited))
        : isResolved(issue, '', v, edited));
      const item = { issue: finding ? finding.tag : issue, resolved, repaired };
      if (!item.resolved) open += 1;
      for (const f of fields) (byField[f] = byField[f] || []).push(item);
      if (!fields.length) general.push(item);
    }
    const line = ({ issue, resolved, repaired }) => h('div', { class: resolved ? 'issue resolved' : 'issue' },
      resolved ? '✓ ' : '⚠ ', String(issue).replace(/_/g, ' '),
      repaired ? ' — repaired automatically' : resolved ? ' — fixed by your edit' : '');
    for (const f of EDIT_FIELDS) {
      const list = byField[f] || [];
      this.fields[f].classList.toggle('has-issue', list.some((x) => !x.resolved));
      if (f === 'file_name') continue; // the name note shows its own check
      fill(this.notes[f], list.map(line));
    }
    const all = p.gate_issues || [];
    const blocked = p.gate_status === 'FAIL_BLOCKED' && open > 0;
    fill(this.gateBox, all.length || p.error ? h('div', { class: blocked ? 'gate-alert' : 'gate-note', role: blocked ? 'alert' : null },
      h('strong', {}, blocked ? 'Needs your review before approval: ' : 'Quality check: '),
      all.length ? `${open} of ${all.length} finding${all.length === 1 ? '' : 's'} open` : '',
      general.length ? h('ul', {}, general.map((x) => h('li', {}, line(x)))) : null,
      p.error ? h('div', { class: 'error-text' }, p.error) : null) : null,
    p.publish_error ? h('div', { class: 'gate-alert', role: 'alert' }, h('strong', {}, 'Publishing failed: '), p.publish_error,
      h('div', { class: 'muted' }, 'The photo stays approved; press Publish to try again.')) : null);
  }

  changed(name) {
    if (!this.photo) return;
    this.renderIssues();
    if (name === 'file_name') { this.localNameNote(); this.checkName(); }
    this.setSaveState('dirty');
    this.saveLater();
  }

  localNameNote() {
    const name = this.inputs.file_name.value;
    const max = state.settings.name_max_length || 150;
    const issues = (this.photo?.gate_issues || []).filter((t) => placeIssue(t, this.photo.findings).fields.includes('file_name'));
    let msg = `${name.length} / ${max} characters`;
    let bad = false;
    if (!name.trim()) { msg = 'A file name is needed.'; bad = true; }
    else if (name.length > max) { msg = `${name.length} / ${max} characters — too long, shorten it.`; bad = true; }
    else if (/[\\/:*?"<>|]/.test(name)) { msg = 'File names cannot contain \\ / : * ? " < > |'; bad = true; }
    this.nameOk = !bad;
    this.inputs.file_name.setAttribute('aria-invalid', bad ? 'true' : 'false');
    fill(this.notes.file_name, h('span', { class: bad ? 'error-text' : 'muted' }, msg),
      issues.map((t) => h('div', { class: 'issue' }, '⚠ ', String(t).replace(/_/g, ' '))));
  }

  async remoteNameCheck() {
    const p = this.photo;
    const name = this.inputs.file_name.value;
    if (!p || !this.nameOk || name === this.saved.file_name) return;
    try {
      const res = await api('/api/names/check', { query: { name, photo_id: p.id } });
      if (this.photo !== p || this.inputs.file_name.value !== name) return;
      this.nameOk = Boolean(res.ok);
      this.inputs.file_name.setAttribute('aria-invalid', res.ok ? 'false' : 'true');
      fill(this.notes.file_name, h('span', { class: res.ok ? 'ok' : 'error-text' },
        res.ok ? `${res.length ?? name.length} / ${res.max ?? 150} characters · available` : res.reason || 'This name cannot be used.'));
      if (res.ok && this.dirtyFields().includes('file_name')) this.saveLater();
    } catch { /* the check is advisory; the PATCH reports real conflicts */ }
  }

  setSaveState(kind, detail = '') {
    const el = document.getElementById('save-state');
    el.className = `save-state save-${kind}`;
    el.textContent = { idle: 'All changes saved', dirty: 'Editing…', saving: 'Saving…', generating: 'Asking the model for new text…',
      saved: `Saved ${new Date().toLocaleTimeString()}`, error: `Not saved: ${detail}` }[kind];
  }

  /** Save changed fields of the shown photo now. Returns the PATCH promise (or null). */
  save() {
    const p = this.photo;
    if (!p) return null;
    const v = this.values();
    const diff = {};
    for (const f of EDIT_FIELDS) if (!same(v[f], this.saved[f])) diff[f] = v[f];
    if ('file_name' in diff && !this.nameOk) delete diff.file_name;
    if ('qr' in diff && diff.qr !== null && !(diff.qr >= 0 && diff.qr <= 10)) delete diff.qr;
    if (!Object.keys(diff).length) {
      if (!this.dirtyFields().length) this.setSaveState('idle');
      return null;
    }
    const before = {};
    for (const f of Object.keys(diff)) before[f] = this.saved[f];
    Object.assign(this.saved, diff);
    this.setSaveState('saving');
    return this.patch(p, diff).then((ok) => {
      if (ok) record(p.id, { kind: 'edit', before, after: diff });
      else if (this.photo === p) Object.assign(this.saved, before);
      return ok;
    });
  }

  /** Save pending edits right away (before a decision, undo or leaving the photo). */
  flushNow() {
    this.saveLater.cancel();
    return this.save() || Promise.resolve(true);
  }

  /** PATCH `values` onto photo `p` (also used by undo/redo); keeps the list object in step.
   * Saves run one after another, so an older answer can never overwrite a newer one. */
  patch(p, values) {
    p.__edits = (p.__edits || 0) + 1; // lets slower detail answers know they are stale
    this.inflight = (this.inflight || 0) + 1;
    const run = () => this.sendPatch(p, values);
    this.queue = (this.queue || Promise.resolve()).then(run, run);
    return this.queue;
  }

  async sendPatch(p, values) {
    try {
      const res = await api(`/api/photos/${p.id}`, { method: 'PATCH', body: values });
      Object.assign(p, res.photo || values);
      this.inflight -= 1;
      if (this.photo === p) {
        // "Saved" only once nothing is typed-but-unsaved and no other save is still on its way.
        if (!this.dirtyFields().length && !this.inflight) this.setSaveState('saved');
        this.renderHead();
      }
      this.onSaved(p);
      return true;
    } catch (err) {
      this.inflight -= 1;
      if (this.photo === p) {
        this.setSaveState('error', err.message);
        if (values.file_name !== undefined) fill(this.notes.file_name, h('span', { class: 'error-text' }, err.message));
      }
      return false;
    }
  }

  /** Apply values from undo/redo to photo `p`, updating the form when it is shown. */
  async applyValues(p, values) {
    if (this.photo === p) {
      this.saveLater.cancel();
      for (const [f, val] of Object.entries(values)) {
        this.saved[f] = val;
        if (f === 'keywords') this.chips.set(val);
        else if (f === 'qr') this.inputs.qr.value = val === null ? '' : String(val);
        else this.inputs[f].value = val;
      }
      if ('file_name' in values) this.localNameNote();
    }
    return this.patch(p, values);
  }

  focusField(name = 'caption') {
    const el = this.inputs[name];
    if (!el || el.disabled) return;
    el.focus();
    if (typeof el.setSelectionRange === 'function' && el.type !== 'number') el.setSelectionRange(el.value.length, el.value.length);
  }
}
