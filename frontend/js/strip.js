// Virtualised thumbnail grid: only the rows in view (plus a small margin) exist in the DOM, and
// their elements are recycled, so scrolling and moving stay smooth at thousands of photos.

import { thumbUrl } from './api.js';
import { h } from './dom.js';
import { qualityBand } from './text.js';

const OVERSCAN_ROWS = 3;

export class Strip {
  /**
   * @param {HTMLElement} root scroll container (role=listbox)
   * @param {{onActivate:(index:number, ev:MouseEvent)=>void}} opts
   */
  constructor(root, { onActivate }) {
    this.root = root;
    this.onActivate = onActivate;
    this.items = [];
    this.current = -1;
    this.selected = new Set();
    this.cols = 1;
    this.rowH = 100;
    this.cellW = 100;
    this.pool = new Map(); // index -> element
    this.spacer = h('div', { class: 'strip-spacer' });
    root.replaceChildren(this.spacer);
    root.addEventListener('scroll', () => this.schedule(), { passive: true });
    root.addEventListener('click', (e) => {
      const cell = e.target.closest('.cell');
      if (cell) this.onActivate(Number(cell.dataset.index), e);
    });
    this.resizeObserver = new ResizeObserver(() => { this.measure(); this.render(true); });
    this.resizeObserver.observe(root);
    this.frame = 0;
    this.measure();
  }

  measure() {
    const width = this.root.clientWidth || 200;
    const fontPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 14;
    const minCell = fontPx * 7.5;
    this.cols = Math.max(1, Math.floor(width / minCell));
    this.cellW = Math.floor(width / this.cols);
    this.rowH = Math.round(this.cellW * 0.66 + fontPx * 1.7);
    this.spacer.style.height = `${Math.ceil(this.items.length / this.cols) * this.rowH}px`;
  }

  setItems(items) {
    this.items = items;
    for (const el of this.pool.values()) el.remove();
    this.pool.clear();
    this.measure();
    this.render(true);
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(false); });
  }

  /** Create / recycle cells for the visible rows only. */
  render(force) {
    const top = this.root.scrollTop;
    const height = this.root.clientHeight || 600;
    const firstRow = Math.max(0, Math.floor(top / this.rowH) - OVERSCAN_ROWS);
    const lastRow = Math.ceil((top + height) / this.rowH) + OVERSCAN_ROWS;
    const start = firstRow * this.cols;
    const end = Math.min(this.items.length, (lastRow + 1) * this.cols);
    const spare = [];
    for (const [index, el] of this.pool) {
      if (index < start || index >= end) { this.pool.delete(index); spare.push(el); }
    }
    for (let i = start; i < end; i++) {
      let el = this.pool.get(i);
      if (el && !force) continue;
      if (!el) el = spare.pop() || this.makeCell();
      this.fillCell(el, i);
      if (!el.isConnected) this.root.append(el);
      this.pool.set(i, el);
    }
    for (const el of spare) el.remove();
  }

  makeCell() {
    const img = h('img', { alt: '', decoding: 'async', draggable: 'false' });
    img.addEventListener('error', () => img.classList.add('broken'));
    return h('div', { class: 'cell', role: 'option' },
      h('div', { class: 'cell-thumb' }, img, h('span', { class: 'cell-check', 'aria-hidden': 'true' }, '✓')),
      h('div', { class: 'cell-label' }, h('span', { class: 'dot' }), h('span', { class: 'cell-name' }),
        h('span', { class: 'cell-qr' })));
  }

  fillCell(el, index) {
    const p = this.items[index];
    const row = Math.floor(index / this.cols);
    const col = index % this.cols;
    el.style.transform = `translate(${col * this.cellW}px, ${row * this.rowH}px)`;
    el.style.width = `${this.cellW}px`;
    el.style.height = `${this.rowH}px`;
    el.dataset.index = String(index);
    el.id = `cell-${p.id}`;
    if (el.dataset.id !== String(p.id)) {
      el.dataset.id = String(p.id);
      const img = el.querySelector('img');
      img.classList.remove('broken');
      img.src = thumbUrl(p.id);
    }
    el.querySelector('.cell-name').textContent = p.file_name || p.original_name || `#${p.id}`;
    el.querySelector('.cell-qr').textContent = p.qr === null || p.qr === undefined ? '' : Number(p.qr).toFixed(1);
    el.title = `${p.file_name || p.original_name} — ${p.status.replace('_', ' ')} — quality ${qualityBand(p.qr)}`;
    el.dataset.status = p.status;
    el.classList.toggle('dup', Boolean(p.dup_group));
    el.classList.toggle('blocked', p.gate_status === 'FAIL_BLOCKED');
    this.decorate(el, index);
  }

  decorate(el, index) {
    const p = this.items[index];
    const isCurrent = index === this.current;
    el.classList.toggle('current', isCurrent);
    el.classList.toggle('selected', this.selected.has(p.id));
    el.setAttribute('aria-selected', this.selected.has(p.id) || isCurrent ? 'true' : 'false');
    if (isCurrent) el.setAttribute('aria-current', 'true');
    else el.removeAttribute('aria-current');
  }

  /** Re-render decoration of visible cells (selection / current changed). */
  redecorate() {
    for (const [index, el] of this.pool) this.decorate(el, index);
  }

  setCurrent(index) {
    const prev = this.current;
    this.current = index;
    const a = this.pool.get(prev);
    if (a) this.decorate(a, prev);
    this.ensureVisible(index);
    const b = this.pool.get(index);
    if (b) this.decorate(b, index);
    const p = this.items[index];
    if (p) this.root.setAttribute('aria-activedescendant', `cell-${p.id}`);
    else this.root.removeAttribute('aria-activedescendant');
  }

  ensureVisible(index) {
    if (index < 0) return;
    const row = Math.floor(index / this.cols);
    const top = row * this.rowH;
    const view = this.root.clientHeight;
    if (top < this.root.scrollTop) this.root.scrollTop = top;
    else if (top + this.rowH > this.root.scrollTop + view) this.root.scrollTop = top + this.rowH - view;
    this.render(false);
  }

  /** A photo's data changed (status, name, QR): refresh its cell if visible. */
  refreshItem(index) {
    const el = this.pool.get(index);
    if (el) this.fillCell(el, index);
  }
}
