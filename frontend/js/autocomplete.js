// An accessible autocomplete (ARIA 1.2 combobox + listbox) for Location and Category fields:
// prefix matches first, then contains; Up/Down move, Enter/Tab accept, Esc closes.

import { h } from './dom.js';
import { suggest } from './text.js';

let uid = 0;

/**
 * Attach an autocomplete to `input`. `source()` returns the current list of known values;
 * `onPick(value)` runs after a suggestion was accepted. Returns {close, refresh}.
 */
export function attachAutocomplete(input, source, onPick = () => {}) {
  const id = `ac-list-${++uid}`;
  const list = h('ul', { id, role: 'listbox', class: 'ac-list', hidden: true,
    'aria-label': `${input.getAttribute('aria-label') || input.name || 'Suggestions'} suggestions` });
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', id);
  input.setAttribute('autocomplete', 'off');
  const wrap = h('div', { class: 'ac-wrap' });
  input.replaceWith(wrap);
  wrap.append(input, list);

  let items = [];
  let active = -1;

  function render() {
    list.replaceChildren();
    items.forEach((value, i) => {
      const li = h('li', {
        id: `${id}-${i}`, role: 'option', class: i === active ? 'active' : '',
        'aria-selected': i === active ? 'true' : 'false',
        on: { mousedown: (e) => { e.preventDefault(); accept(i); } },
      }, value);
      list.append(li);
    });
    const open = items.length > 0 && document.activeElement === input;
    list.hidden = !open;
    input.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', `${id}-${active}`);
      list.children[active]?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  function refresh() {
    const value = input.value;
    const known = source();
    items = suggest(value, known, 30).filter((k) => k !== value);
    if (active >= items.length) active = items.length - 1;
    render();
  }

  function close() {
    items = [];
    active = -1;
    render();
  }

  function accept(i) {
    if (i < 0 || i >= items.length) return false;
    input.value = items[i];
    close();
    input.dispatchEvent(new Event('input', { bubbles: true }));
    onPick(input.value);
    return true;
  }

  input.addEventListener('input', (e) => { if (e.isTrusted !== false) { active = -1; refresh(); } });
  input.addEventListener('focus', refresh);
  input.addEventListener('blur', () => setTimeout(close, 0));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      if (!items.length) refresh();
      active = Math.min(items.length - 1, active + 1);
      render();
      e.preventDefault();
      e.stopPropagation();
    } else if (e.key === 'ArrowUp') {
      active = Math.max(-1, active - 1);
      render();
      e.preventDefault();
      e.stopPropagation();
    } else if ((e.key === 'Enter' || e.key === 'Tab') && !list.hidden && active >= 0) {
      accept(active);
      if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); }
    } else if (e.key === 'Escape' && !list.hidden) {
      close();
      e.preventDefault();
      e.stopPropagation();
    }
  });
  return { close, refresh };
}
