// Keyword chips: add (Enter or comma, pasted lists split), remove (× or Delete/Backspace on a chip),
// reorder (drag, or Alt+Left/Right on a focused chip). Calls onChange(list) after every change.

import { h } from './dom.js';

export class Chips {
  constructor(root, { label = 'Keywords', onChange = () => {} } = {}) {
    this.root = root;
    this.onChange = onChange;
    this.list = [];
    this.ul = h('ul', { class: 'chips', role: 'list', 'aria-label': label });
    this.input = h('input', { type: 'text', class: 'chip-input', name: 'keyword_new', 'aria-label': `Add ${label.toLowerCase()}`,
      placeholder: 'add keyword, Enter', spellcheck: 'false', autocomplete: 'off' });
    root.replaceChildren(this.ul, this.input);
    this.input.addEventListener('keydown', (e) => this.onInputKey(e));
    this.input.addEventListener('blur', () => { if (this.input.value.trim()) this.addFromInput(); });
    this.input.addEventListener('paste', (e) => {
      const text = e.clipboardData?.getData('text') || '';
      if (text.includes(',') || text.includes('\n')) {
        e.preventDefault();
        this.add(text.split(/[,\n;]+/));
      }
    });
    let dragFrom = -1;
    this.ul.addEventListener('dragstart', (e) => {
      const li = e.target.closest('li');
      dragFrom = li ? Number(li.dataset.index) : -1;
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', String(dragFrom));
    });
    this.ul.addEventListener('dragover', (e) => { if (dragFrom >= 0) e.preventDefault(); });
    this.ul.addEventListener('drop', (e) => {
      const li = e.target.closest('li');
      if (dragFrom < 0 || !li) return;
      e.preventDefault();
      e.stopPropagation();
      this.move(dragFrom, Number(li.dataset.index));
      dragFrom = -1;
    });
  }

  set(list, { highlight = false } = {}) {
    this.list = (list || []).slice();
    this.highlight = highlight;
    this.render();
  }

  get() {
    return this.list.slice();
  }

  render(focusIndex = -1) {
    const items = this.list.map((kw, i) => h('li', { class: 'chip', draggable: 'true', tabindex: '0',
      dataset: { index: i }, 'aria-label': `${kw}, keyword ${i + 1} of ${this.list.length}`,
      on: { keydown: (e) => this.onChipKey(e, i) } },
    h('span', { class: 'chip-text' }, kw),
    h('button', { type: 'button', class: 'chip-x', tabindex: '-1', 'aria-label': `Remove keyword ${kw}`,
      on: { click: () => this.remove(i) } }, '×')));
    this.ul.replaceChildren(...items);
    if (focusIndex >= 0 && this.ul.children[focusIndex]) this.ul.children[focusIndex].focus();
  }

  changed(focusIndex) {
    this.render(focusIndex);
    this.onChange(this.get());
  }

  add(words) {
    const have = new Set(this.list.map((w) => w.toLowerCase()));
    let added = false;
    for (const raw of words) {
      const w = raw.trim().replace(/\s+/g, ' ');
      if (!w || have.has(w.toLowerCase())) continue;
      have.add(w.toLowerCase());
      this.list.push(w);
      added = true;
    }
    if (added) this.changed();
  }

  addFromInput() {
    const value = this.input.value;
    this.input.value = '';
    this.add(value.split(','));
  }

  remove(i) {
    this.list.splice(i, 1);
    this.changed(Math.min(i, this.list.length - 1));
    if (!this.list.length) this.input.focus();
  }

  move(from, to) {
    if (from === to || to < 0 || to >= this.list.length) return;
    const [w] = this.list.splice(from, 1);
    this.list.splice(to, 0, w);
    this.changed(to);
  }

  onInputKey(e) {
    if (e.key === 'Enter' || e.key === ',') {
      if (this.input.value.trim()) {
        e.preventDefault();
        this.addFromInput();
      } else if (e.key === ',') e.preventDefault();
    } else if (e.key === 'Backspace' && !this.input.value && this.list.length) {
      e.preventDefault();
      this.ul.children[this.list.length - 1].focus();
    }
  }

  onChipKey(e, i) {
    if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      this.remove(i);
    } else if (e.altKey && e.key === 'ArrowLeft') {
      e.preventDefault();
      e.stopPropagation();
      this.move(i, i - 1);
    } else if (e.altKey && e.key === 'ArrowRight') {
      e.preventDefault();
      e.stopPropagation();
      this.move(i, i + 1);
    } else if (e.key === 'ArrowLeft' && i > 0) {
      e.preventDefault();
      e.stopPropagation();
      this.ul.children[i - 1].focus();
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      e.stopPropagation();
      if (i + 1 < this.list.length) this.ul.children[i + 1].focus();
      else this.input.focus();
    }
  }
}
