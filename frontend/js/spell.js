// Spellcheck for free-text fields (Subject, hint keywords): a debounced check against the backend
// dictionary, misspellings listed under the field with one-click suggestions and "Keep this word".

import { api } from './api.js';
import { debounce, fill, h } from './dom.js';

let disabledReason = null; // set once the backend says spellcheck is unavailable

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replace whole-word `word` in `text` by `replacement`, keeping an initial capital. */
export function replaceWord(text, word, replacement) {
  const re = new RegExp(`(^|[^\\p{L}])(${escapeRegExp(word)})(?=$|[^\\p{L}])`, 'gu');
  return text.replace(re, (_, pre, found) => {
    const cap = found.charAt(0) === found.charAt(0).toUpperCase();
    const rep = cap ? replacement.charAt(0).toUpperCase() + replacement.slice(1) : replacement;
    return pre + rep;
  });
}

/**
 * Attach spellcheck to `input`; results render into `box` (an element under the field).
 * Returns {check, misspelled} — `misspelled()` gives the words currently flagged.
 */
export function attachSpell(input, box, { label = 'Spelling' } = {}) {
  let flagged = [];
  let seq = 0;

  function render() {
    if (disabledReason) {
      fill(box, h('span', { class: 'spell-off' }, `Spellcheck: OFF (${disabledReason})`));
      return;
    }
    if (!flagged.length) {
      box.replaceChildren();
      input.removeAttribute('aria-invalid');
      return;
    }
    input.setAttribute('aria-invalid', 'spelling');
    const rows = flagged.map(({ word, suggestions }) => h('div', { class: 'spell-row' },
      h('span', { class: 'spell-word' }, word),
      (suggestions || []).slice(0, 3).map((s) => h('button', {
        type: 'button', class: 'chip-btn', 'aria-label': `Replace ${word} with ${s}`,
        on: { click: () => {
          input.value = replaceWord(input.value, word, s);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          input.focus();
        } },
      }, s)),
      (suggestions || []).length ? null : h('span', { class: 'muted' }, 'no safe suggestion'),
      h('button', {
        type: 'button', class: 'chip-btn keep', 'aria-label': `Keep the word ${word}`,
        on: { click: async () => {
          try { await api('/api/spell/keep', { method: 'POST', body: { word } }); } catch { /* shown below */ }
          flagged = flagged.filter((f) => f.word !== word);
          render();
          check();
        } },
      }, `Keep “${word}”`)));
    fill(box, h('div', { class: 'spell-title' }, `${label}: check ${flagged.length === 1 ? 'this word' : 'these words'}`),
      rows);
  }

  async function check() {
    const text = input.value.trim();
    const mine = ++seq;
    if (!text || disabledReason) { flagged = []; render(); return; }
    try {
      const res = await api('/api/spell', { query: { text } });
      if (mine !== seq) return;
      if (res.enabled === false) disabledReason = res.reason || 'dictionary missing';
      flagged = res.misspelled || [];
    } catch (err) {
      if (err.status === 404) disabledReason = 'not available';
      flagged = [];
    }
    render();
  }

  const later = debounce(check, 200);
  input.addEventListener('input', later);
  input.addEventListener('blur', later.flush);
  return { check, misspelled: () => flagged.map((f) => f.word) };
}
