// The API token, kept in the browser: sessionStorage (this tab) unless the user asked to be
// remembered (localStorage). It is sent as a header, and as `access_token` only to the SSE streams.
const KEY = "gantry.token";

type Listener = () => void;
const listeners = new Set<Listener>();

export function getToken(): string | null {
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
}

export function setToken(token: string, remember: boolean): void {
  clearToken(false);
  (remember ? localStorage : sessionStorage).setItem(KEY, token);
  for (const fn of listeners) fn();
}

/** Forgets the token (signing out, or the server refused it). */
export function clearToken(notify = true): void {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
  if (notify) for (const fn of listeners) fn();
}

export function onTokenChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
