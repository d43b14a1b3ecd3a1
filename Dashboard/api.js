// The daemon's JSON API (Specs/api.md): fetch with the bearer token when the daemon has one, and
// every failure as an ApiError carrying the envelope's code and message.

const TOKEN_KEY = 'maestro.token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Keeps `?access_token=` of the page's address for this tab and drops it from the address bar. */
export function adoptTokenFromLocation() {
  const url = new URL(location.href);
  const value = url.searchParams.get('access_token');
  if (!value) return;
  setToken(value);
  url.searchParams.delete('access_token');
  history.replaceState(history.state, '', url);
}

export const enc = encodeURIComponent;

async function send(method, path, body, accept) {
  const headers = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'The daemon cannot be reached.');
  }
  const text = await response.text();
  if (response.ok) return { response, text };
  let envelope = null;
  try {
    envelope = JSON.parse(text).error;
  } catch {
    // Not the envelope: a proxy's page or an empty body.
  }
  throw new ApiError(response.status, envelope?.code ?? `http_${response.status}`, envelope?.message ?? response.statusText);
}

export async function request(method, path, body) {
  const { text } = await send(method, path, body, 'application/json');
  return text ? JSON.parse(text) : null;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);
export const patch = (path, body) => request('PATCH', path, body);

export async function getText(path, accept = '*/*') {
  return (await send('GET', path, undefined, accept)).text;
}
