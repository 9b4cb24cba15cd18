// Pure text helpers for the sets screen and the editor (no DOM, no network): Title Case that keeps
// the cursor, the City_Country location convention, and near-miss detection for categories.

const SMALL_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'but', 'by', 'for', 'in', 'of', 'on',
  'or', 'the', 'to', 'with']);

/**
 * Title Case each word (first letter up, the rest kept as typed so "iPhone"/"USA" survive). Small
 * words ("in", "the") go back to lower case once they are complete (followed by a space) and not
 * first, so typing letter by letter gives "Lake in the Woods". Length never changes, so the cursor
 * can stay where it was.
 */
export function titleCase(text) {
  let index = 0;
  return text.replace(/[A-Za-zÀ-ÖØ-öø-ÿ][^\s_/-]*/g, (word, offset) => {
    const first = index === 0;
    index += 1;
    const complete = offset + word.length < text.length;
    const lower = word.toLowerCase();
    if (!first && complete && SMALL_WORDS.has(lower) && word.slice(1) === lower.slice(1)) return lower;
    return word.charAt(0).toUpperCase() + word.slice(1);
  });
}

/** Apply Title Case to an input while typing, keeping the selection where the user had it. */
export function titleCaseInput(input) {
  const { selectionStart, selectionEnd, value } = input;
  const next = titleCase(value);
  if (next !== value) {
    input.value = next;
    input.setSelectionRange(selectionStart, selectionEnd);
  }
}

/** "paris, france" / "Paris France" / "new york_usa" → "Paris_France" / "New_York_Usa" style. */
export function toLocationToken(text) {
  const parts = text.trim().split(/[\s,_]+/).filter(Boolean);
  return parts.map((p) => (p === p.toUpperCase() && p.length > 1 ? p : p.charAt(0).toUpperCase() + p.slice(1)))
    .join('_');
}

/** Levenshtein distance, small and allocation-light (inputs are short names). */
export function editDistance(a, b) {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

const squash = (s) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Classify `value` against known names: {kind: 'known', match} when it exists (ignoring case and
 * separators), {kind: 'near', matches} when it is a near miss (similarity ≥ 0.8 or plural/singular),
 * otherwise {kind: 'new'}. Empty input gives {kind: 'empty'}.
 */
export function classifyName(value, known) {
  const v = squash(value || '');
  if (!v) return { kind: 'empty' };
  const exact = known.find((k) => squash(k) === v);
  if (exact) return { kind: 'known', match: exact };
  const scored = [];
  for (const k of known) {
    const s = squash(k);
    if (!s) continue;
    const ratio = 1 - editDistance(v, s) / Math.max(v.length, s.length);
    const plural = s === v + 's' || v === s + 's' || s === v + 'es' || v === s + 'es';
    if (ratio >= 0.8 || plural) scored.push([plural ? 1 : ratio, k]);
  }
  scored.sort((x, y) => y[0] - x[0]);
  if (scored.length) return { kind: 'near', matches: scored.slice(0, 3).map((x) => x[1]) };
  return { kind: 'new' };
}

/** Matches for an autocomplete: prefix matches first, then contains; at most `limit`. */
export function suggest(value, known, limit = 30) {
  const v = (value || '').toLowerCase().replace(/[\s_]+/g, ' ').trim();
  const norm = (k) => k.toLowerCase().replace(/[\s_]+/g, ' ');
  if (!v) return known.slice(0, limit);
  const prefix = [];
  const contains = [];
  for (const k of known) {
    const n = norm(k);
    if (n.startsWith(v)) prefix.push(k);
    else if (n.includes(v)) contains.push(k);
  }
  return prefix.concat(contains).slice(0, limit);
}

/** Quality band from a 0–10 QR (PRODUCT.md thresholds). */
export function qualityBand(qr) {
  if (qr === null || qr === undefined || Number.isNaN(qr)) return 'NA';
  if (qr >= 7.5) return 'Top';
  if (qr >= 6.5) return 'Good';
  if (qr >= 5.5) return 'Average';
  if (qr >= 4.5) return 'Low';
  return 'Very Low';
}

/** Is this path a single image file (rather than a folder)? Used to group loose files in one set. */
export function looksLikeImageFile(path) {
  return /\.(jpe?g|heic|heif|png|tiff?)$/i.test(path);
}

/** Last folder name of a path, Windows or POSIX. */
export function baseName(path) {
  const parts = String(path).replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1] || String(path);
}
