// Keyboard shortcuts in one table: each binding has its keys, the screen it works on, whether it
// also works while typing in a field, and a description that the "?" help lists.

import { $, fill, h, isTyping } from './dom.js';

const bindings = [];

/**
 * Register a shortcut. spec: {keys: ['j', 'ArrowDown'], view: 'review'|'*', group, desc,
 * run(event), inField: false}. Key names: single letters in lower case ('Shift+a' for capitals),
 * other characters as typed ('?', '/'), named keys as in KeyboardEvent.key, modifiers 'Ctrl+',
 * 'Alt+', 'Shift+' (Cmd counts as Ctrl).
 */
export function bind(spec) {
  bindings.push({ view: '*', group: 'General', inField: false, ...spec });
}

/** Normalise a keydown into the binding notation. */
export function comboOf(e) {
  let key = e.key;
  if (key === ' ') key = 'Space';
  const letter = /^[a-z]$/i.test(key);
  const mods = [];
  if (e.ctrlKey || e.metaKey) mods.push('Ctrl');
  if (e.altKey) mods.push('Alt');
  if (e.shiftKey && (letter || key.length > 1)) mods.push('Shift');
  if (letter) key = key.toLowerCase();
  return [...mods, key].join('+');
}

/** Typing contexts include the keyword chips (Delete / arrows belong to them there). */
function inField(target) {
  return isTyping(target) || Boolean(target && target.closest && target.closest('.chips'));
}

export function initKeys(getView) {
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing) return;
    if (document.querySelector('dialog[open]')) return; // the dialog owns the keyboard
    const combo = comboOf(e);
    const typing = inField(e.target);
    if ((combo === 'Space' || combo === 'Enter') && e.target.closest?.('button, a, summary, select, input, [role=tab]')) return;
    const view = getView();
    for (const b of bindings) {
      if (!b.keys.includes(combo)) continue;
      if (b.view !== '*' && b.view !== view) continue;
      if (typing && !b.inField) continue;
      if (b.when && !b.when()) continue;
      e.preventDefault();
      b.run(e);
      return;
    }
  });
}

const pretty = (k) => k.replace('Ctrl+', 'Ctrl + ').replace('Shift+', 'Shift + ').replace('Alt+', 'Alt + ')
  .replace('ArrowDown', '↓').replace('ArrowUp', '↑').replace('ArrowLeft', '←').replace('ArrowRight', '→')
  .replace(/^([a-z])$/, (m) => m.toUpperCase()).replace(/\+ ([a-z])$/, (m, c) => `+ ${c.toUpperCase()}`);

/** Open the shortcut list (a modal dialog; Esc closes it). */
export function showHelp() {
  const dlg = $('#help-dialog');
  const groups = new Map();
  for (const b of bindings) {
    if (!b.desc) continue;
    if (!groups.has(b.group)) groups.set(b.group, []);
    groups.get(b.group).push(b);
  }
  const close = h('button', { type: 'button', class: 'primary', on: { click: () => dlg.close() } }, 'Close');
  fill(dlg, h('h2', { id: 'help-title' }, 'Keyboard shortcuts'),
    h('div', { class: 'help-grid' }, [...groups].map(([group, list]) => h('section', {},
      h('h3', {}, group),
      h('dl', { class: 'keys' }, list.map((b) => [h('dt', {}, b.keys.map((k) => h('kbd', {}, pretty(k)))),
        h('dd', {}, b.desc)]))))),
    h('div', { class: 'dialog-actions' }, close));
  dlg.setAttribute('aria-labelledby', 'help-title');
  dlg.showModal();
  close.focus();
}
