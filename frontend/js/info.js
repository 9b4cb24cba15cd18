// The information panel under the preview: EXIF, quality scores with their reasons (and the QR
// override lives in the editor), near-duplicate group side by side with the suggested keeper,
// and the photo's history of events.

import { thumbUrl } from './api.js';
import { fill, h } from './dom.js';
import { qualityBand } from './text.js';

const TABS = ['details', 'quality', 'duplicates', 'history'];

export class InfoPanel {
  constructor(root, { onJump = () => {}, onKeepOnly = () => {} }) {
    this.root = root;
    this.onJump = onJump;
    this.onKeepOnly = onKeepOnly;
    this.tab = 'details';
    this.buttons = {};
    this.tabBar = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Photo information' },
      TABS.map((t) => (this.buttons[t] = h('button', { type: 'button', role: 'tab', id: `tab-info-${t}`,
        'aria-controls': 'info-body', on: { click: () => this.select(t) } }, t[0].toUpperCase() + t.slice(1)))));
    this.body = h('div', { class: 'info-body', id: 'info-body', role: 'tabpanel', tabindex: '0' });
    root.replaceChildren(this.tabBar, this.body);
    this.data = null;
    this.select('details');
  }

  select(tab) {
    this.tab = tab;
    for (const t of TABS) this.buttons[t].setAttribute('aria-selected', t === tab ? 'true' : 'false');
    this.body.setAttribute('aria-labelledby', `tab-info-${tab}`);
    // Near-duplicates are compared side by side: give them room.
    this.root.parentElement?.classList.toggle('wide-info', tab === 'duplicates');
    this.render();
  }

  /** photo: light or full dict; detail: GET /api/photos/<id> reply or null while loading. */
  show(photo, detail) {
    this.photo = photo;
    this.detail = detail;
    const dups = detail ? (detail.duplicates || []).length : 0;
    this.buttons.duplicates.textContent = photo && photo.dup_group ? `Duplicates (${dups + 1})` : 'Duplicates';
    this.render();
  }

  render() {
    const p = this.detail ? { ...this.photo, ...this.detail.photo } : this.photo;
    if (!p) { this.body.replaceChildren(); return; }
    if (this.tab === 'details') fill(this.body, this.details(p));
    else if (this.tab === 'quality') fill(this.body, this.quality(p));
    else if (this.tab === 'duplicates') fill(this.body, this.duplicates(p));
    else fill(this.body, this.history());
  }

  details(p) {
    const rows = [
      ['Original file', p.original_name], ['Taken', p.datetime], ['Camera', p.camera], ['Lens', p.lens],
      ['Size', p.width && p.height ? `${p.width} × ${p.height}` : ''], ['Exposure', p.exposure],
      ['Aperture', p.aperture], ['ISO', p.iso], ['Focal length', p.focal_length ? `${p.focal_length} mm` : ''],
      ['GPS', p.gps ? `${Number(p.gps.lat ?? p.gps.latitude).toFixed(5)}, ${Number(p.gps.lon ?? p.gps.longitude).toFixed(5)}` : ''],
      ['Artist', p.artist], ['Copyright', p.copyright], ['Colour profile', p.color_profile],
      ['Original path', p.original_path],
    ];
    for (const [k, v] of Object.entries(p.exif_extra || {})) rows.push([k, typeof v === 'object' ? JSON.stringify(v) : v]);
    return h('dl', { class: 'kv' }, rows.filter(([, v]) => v !== '' && v !== null && v !== undefined)
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]));
  }

  quality(p) {
    const scores = p.scores || {};
    const reasons = Array.isArray(scores.reasons) ? scores.reasons : [];
    const rows = [];
    for (const [k, v] of Object.entries(scores)) {
      if (k === 'reasons' || k.endsWith('_reason') || typeof v === 'object') continue;
      const why = scores[`${k}_reason`];
      rows.push(h('tr', {}, h('th', { scope: 'row' }, k.replace(/_/g, ' ')),
        h('td', {}, typeof v === 'number' ? v.toFixed(2) : String(v)), h('td', { class: 'muted' }, why || '')));
    }
    for (const [k, label] of [['sharpness', 'sharpness (Laplacian)'], ['brightness', 'brightness'], ['contrast', 'contrast']]) {
      if (p[k] !== null && p[k] !== undefined && !(k in scores)) {
        rows.push(h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, Number(p[k]).toFixed(2)), h('td')));
      }
    }
    return [
      h('p', { class: 'qr-line' }, h('strong', {}, p.qr === null || p.qr === undefined ? 'QR not scored' : `QR ${Number(p.qr).toFixed(2)}`),
        ` · band ${qualityBand(p.qr)}`, p.qc_status && p.qc_status !== 'NA' ? ` · ${p.qc_status}` : '',
        h('span', { class: 'muted' }, ' — scores inform, never reject. Override QR in the editor.')),
      rows.length ? h('table', { class: 'scores' }, h('tbody', {}, rows)) : h('p', { class: 'muted' }, 'No scores recorded for this photo.'),
      reasons.length ? h('ul', { class: 'reasons' }, reasons.map((r) => h('li', {}, String(r)))) : null,
    ];
  }

  duplicates(p) {
    if (!p.dup_group) return h('p', { class: 'muted' }, 'No near-duplicates found for this photo.');
    if (!this.detail) return h('p', { class: 'muted' }, 'Loading the group…');
    const members = [p, ...(this.detail.duplicates || [])];
    const keeper = members.find((m) => m.dup_keeper) || null;
    return [
      h('p', {}, `${members.length} similar photos. `, keeper ? `Suggested keeper: ${keeper.file_name || keeper.original_name} (highest quality).` : ''),
      h('div', { class: 'dup-row' }, members.map((m) => h('figure', { class: `dup ${m.dup_keeper ? 'keeper' : ''} ${m.id === p.id ? 'this' : ''}` },
        h('button', { type: 'button', class: 'dup-thumb', 'aria-label': `Show ${m.file_name || m.original_name}`,
          on: { click: () => this.onJump(m.id) } }, h('img', { src: thumbUrl(m.id), alt: '' })),
        h('figcaption', {}, h('div', {}, m.file_name || m.original_name),
          h('div', { class: 'muted' }, `${m.status.replace('_', ' ')} · QR ${m.qr === null || m.qr === undefined ? '—' : Number(m.qr).toFixed(1)}`),
          m.dup_keeper ? h('div', { class: 'ok' }, 'Suggested keeper') : null)))),
      h('button', { type: 'button', class: 'ghost', on: { click: () => this.onKeepOnly(p, members) } },
        'Keep this photo, reject the others in the group'),
    ];
  }

  history() {
    if (!this.detail) return h('p', { class: 'muted' }, 'Loading…');
    const events = this.detail.events || [];
    if (!events.length) return h('p', { class: 'muted' }, 'No events yet.');
    return h('ol', { class: 'events' }, events.map((e) => {
      const { kind, at, created_at: created, ...rest } = e;
      const detail = Object.entries(rest).filter(([k]) => !['id', 'photo_id', 'run_id'].includes(k))
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
      return h('li', {}, h('span', { class: 'muted' }, `${at || created || ''} `), h('strong', {}, kind || 'event'), ' ', detail);
    }));
  }
}
