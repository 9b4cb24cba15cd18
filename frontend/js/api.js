// The ONE fetch helper. Every request to the local backend goes through `api()`, so the token,
// the JSON encoding and the error shape are handled in exactly one place.

const TOKEN_KEY = 'ia.token';

function readToken() {
  // The window opens `/?token=T`; keep it for the session so in-app navigation can drop the query.
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    try { sessionStorage.setItem(TOKEN_KEY, fromUrl); } catch { /* storage may be disabled */ }
    return fromUrl;
  }
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

const token = readToken();

/** An error the backend (or the network) reported, carrying the contract's error shape. */
export class ApiError extends Error {
  constructor({ code = 'error', message = 'Something went wrong.', status = 0 } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/**
 * Call the JSON API. `body` (an object) is sent as JSON; the parsed JSON reply is returned.
 * Throws ApiError with {code, message, status} for any non-2xx reply or network failure.
 */
export async function api(path, { method = 'GET', body, query, signal } = {}) {
  let url = path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  const headers = { 'X-Auth-Token': token, Accept: 'application/json' };
  const init = { method, headers, signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError({
      code: 'network',
      message: 'The app could not reach its local service. Your work is saved; try again in a moment.',
    });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const e = data && data.error ? data.error : {
      code: 'http_' + res.status, message: `The service answered ${res.status} for ${path}.`,
    };
    throw new ApiError({ ...e, status: e.status || res.status });
  }
  return data || {};
}

/** URL for things the browser loads itself (img src, EventSource) — token in the query. */
export function authUrl(path) {
  return path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
}

export const thumbUrl = (id) => authUrl(`/api/photos/${id}/thumb`);
export const previewUrl = (id) => authUrl(`/api/photos/${id}/preview`);
export const eventsUrl = () => authUrl('/api/events');
