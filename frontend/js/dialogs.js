// Modal confirmation built on <dialog>: focus lands on the safe choice unless told otherwise;
// Esc cancels. Used for irreversible actions (reject many, roll back, publish).

import { $, fill, h } from './dom.js';

/** Ask a yes/no question. Resolves true when confirmed. */
export function confirmDialog({ title, message, confirm = 'OK', cancel = 'Cancel', danger = false, focusConfirm = true }) {
  const dlg = $('#confirm-dialog');
  return new Promise((resolve) => {
    const yes = h('button', { type: 'button', class: danger ? 'danger' : 'primary', id: 'confirm-yes' }, confirm);
    const no = h('button', { type: 'button', class: 'ghost', id: 'confirm-no' }, cancel);
    fill(dlg, h('h2', { id: 'confirm-title' }, title), h('p', {}, message), h('div', { class: 'dialog-actions' }, no, yes));
    dlg.setAttribute('aria-labelledby', 'confirm-title');
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      if (dlg.open) dlg.close();
      resolve(value);
    };
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    dlg.addEventListener('close', () => finish(false), { once: true });
    dlg.showModal();
    (focusConfirm ? yes : no).focus();
  });
}
