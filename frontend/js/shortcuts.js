// Every keyboard shortcut of the app, registered in one place so the "?" help is complete.

import { $ } from './dom.js';
import { bind, showHelp } from './keys.js';
import { emit } from './state.js';

/** Register the shortcuts; `r` is the review controller returned by initReview(). */
export function registerShortcuts(r) {
  const R = { view: 'review' };
  bind({ keys: ['?'], group: 'General', desc: 'Show all keyboard shortcuts', run: showHelp });
  bind({ keys: ['Alt+1'], group: 'General', desc: 'Sets screen', inField: true, run: () => emit('navigate', 'sets') });
  bind({ keys: ['Alt+2'], group: 'General', desc: 'Run progress', inField: true, run: () => emit('navigate', 'run') });
  bind({ keys: ['Alt+3'], group: 'General', desc: 'Review', inField: true, run: () => emit('navigate', 'review') });

  bind({ ...R, keys: ['j', 'ArrowDown', 'ArrowRight'], group: 'Move', desc: 'Next photo', run: () => r.move(1) });
  bind({ ...R, keys: ['k', 'ArrowUp', 'ArrowLeft'], group: 'Move', desc: 'Previous photo', run: () => r.move(-1) });
  bind({ ...R, keys: ['PageDown'], group: 'Move', desc: 'One screen down', run: () => r.move(r.pageSize()) });
  bind({ ...R, keys: ['PageUp'], group: 'Move', desc: 'One screen up', run: () => r.move(-r.pageSize()) });
  bind({ ...R, keys: ['Home'], group: 'Move', desc: 'First photo', run: () => r.go(0) });
  bind({ ...R, keys: ['End'], group: 'Move', desc: 'Last photo', run: () => r.go(1e9) });

  bind({ ...R, keys: ['a'], group: 'Decide', desc: 'Approve (the selection, if any) and go on', run: () => r.decide('approve') });
  bind({ ...R, keys: ['r'], group: 'Decide', desc: 'Reject: staged copy removed, name released', run: () => r.decide('reject') });
  bind({ ...R, keys: ['p'], group: 'Decide', desc: 'Back to pending', run: () => r.decide('reopen') });
  bind({ ...R, keys: ['g'], group: 'Decide', desc: 'Generate caption, alt text and keywords again', run: () => r.decide('generate') });
  bind({ ...R, keys: ['Ctrl+Enter'], group: 'Decide', inField: true, desc: 'Save and approve (works while typing)',
    run: () => { document.activeElement?.blur(); r.decide('approve'); } });

  bind({ ...R, keys: ['x', 'Space'], group: 'Select', desc: 'Select / unselect this photo', run: () => r.toggleSelect(r.current()) });
  bind({ ...R, keys: ['Shift+j', 'Shift+ArrowDown'], group: 'Select', desc: 'Extend the selection down', run: () => r.extend(1) });
  bind({ ...R, keys: ['Shift+k', 'Shift+ArrowUp'], group: 'Select', desc: 'Extend the selection up', run: () => r.extend(-1) });
  bind({ ...R, keys: ['Ctrl+a'], group: 'Select', desc: 'Select every photo shown', run: () => r.selectAll() });

  const field = (name) => () => r.editor().focusField(name);
  bind({ ...R, keys: ['Enter', 'e'], group: 'Edit', desc: 'Edit the caption', run: field('caption') });
  bind({ ...R, keys: ['t'], group: 'Edit', desc: 'Edit the alt text', run: field('alt_text') });
  bind({ ...R, keys: ['w'], group: 'Edit', desc: 'Add a keyword', run: field('keywords') });
  bind({ ...R, keys: ['n'], group: 'Edit', desc: 'Edit the file name', run: field('file_name') });
  bind({ ...R, keys: ['Escape'], group: 'Edit', inField: true, desc: 'Leave the field (saves) / clear the selection',
    run: () => {
      const el = document.activeElement;
      if (el && el !== document.body && el.id !== 'strip') {
        r.editor().flushNow();
        $('#strip').focus({ preventScroll: true });
      } else r.clearSelection();
    } });
  bind({ ...R, keys: ['Ctrl+z', 'u'], group: 'Edit', desc: 'Undo the last change to this photo', run: () => r.undoRedo('undo') });
  bind({ ...R, keys: ['Ctrl+Shift+z', 'Ctrl+y', 'Shift+u'], group: 'Edit', desc: 'Redo', run: () => r.undoRedo('redo') });
  bind({ ...R, keys: ['Ctrl+s'], group: 'Edit', inField: true, desc: 'Save now', run: () => r.editor().flushNow() });

  bind({ ...R, keys: ['z'], group: 'View', desc: 'Zoom to 100 % / fit', run: () => r.preview().toggleZoom() });
  bind({ ...R, keys: ['i'], group: 'View', desc: 'Show details (EXIF)', run: () => r.info().select('details') });
  bind({ ...R, keys: ['q'], group: 'View', desc: 'Show quality scores', run: () => r.info().select('quality') });
  bind({ ...R, keys: ['d'], group: 'View', desc: 'Show near-duplicates', run: () => r.info().select('duplicates') });
  bind({ ...R, keys: ['h'], group: 'View', desc: 'Show history', run: () => r.info().select('history') });
  bind({ ...R, keys: ['/'], group: 'View', desc: 'Search', run: () => $('#flt-q').focus() });
}
