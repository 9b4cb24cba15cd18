// Per-photo undo / redo. Each entry is either a field edit {kind:'edit', before, after} (objects of
// field → value, one entry per autosave) or a decision {kind:'decision', before, after} (statuses).

const stacks = new Map(); // photo id -> {undo: [], redo: []}
const LIMIT = 100;

function stackFor(id) {
  let s = stacks.get(id);
  if (!s) { s = { undo: [], redo: [] }; stacks.set(id, s); }
  return s;
}

/** Remember a change that just happened to photo `id`; clears its redo history. */
export function record(id, entry) {
  const s = stackFor(id);
  s.undo.push(entry);
  if (s.undo.length > LIMIT) s.undo.shift();
  s.redo.length = 0;
}

/** Take the latest change to undo (moved onto the redo stack), or null. */
export function takeUndo(id) {
  const s = stackFor(id);
  const e = s.undo.pop() || null;
  if (e) s.redo.push(e);
  return e;
}

/** Take the latest undone change to redo (moved back onto the undo stack), or null. */
export function takeRedo(id) {
  const s = stackFor(id);
  const e = s.redo.pop() || null;
  if (e) s.undo.push(e);
  return e;
}

/** Put an entry back where it came from when applying it failed. */
export function restore(id, entry, from) {
  const s = stackFor(id);
  const other = from === 'undo' ? s.redo : s.undo;
  const idx = other.lastIndexOf(entry);
  if (idx >= 0) other.splice(idx, 1);
  (from === 'undo' ? s.undo : s.redo).push(entry);
}

export const canUndo = (id) => stackFor(id).undo.length > 0;
export const canRedo = (id) => stackFor(id).redo.length > 0;
