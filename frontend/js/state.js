// Shared app state and a tiny event bus. Modules read `state` and listen with `on()`; whoever
// changes something calls `emit()` so the header counts, run view and review stay in step.

export const state = {
  view: 'sets',
  runs: [],
  counts: {},
  approved: 0,
  settings: {},
  known: { locations: [], categories: [], subjects: [] },
  currentRunId: null,
};

const bus = new EventTarget();

export function on(type, fn) {
  const handler = (e) => fn(e.detail);
  bus.addEventListener(type, handler);
  return () => bus.removeEventListener(type, handler);
}

export function emit(type, detail) {
  bus.dispatchEvent(new CustomEvent(type, { detail }));
}
