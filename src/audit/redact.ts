// The trail must never hold a secret or a token. Callers record names, ids and settings, never
// values; this is the net under them: what a field's name says is secret is replaced, and a URL
// loses its user:password@ and its query (where tokens travel).

/** Field names whose values are never recorded (their names say they are credentials). */
const SECRET_KEY =
  /secret|token|passw(or)?d|passphrase|credential|private[_-]?key|api[_-]?key|authorization|cookie|encrypted[_-]?value|client[_-]?payload/i;
/** …except names, ids and counts of such things (secret_names, token_id). */
const HARMLESS_KEY = /(names?|_ids?|_count)$/i;

export const REDACTED = "[redacted]";

/** A URL without its user information and query: https://u:p@host/x?token=t → https://host/x. */
export function safeUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) || !url.host) return value;
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return url.toString();
  } catch {
    return value;
  }
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

function scrub(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && SECRET_KEY.test(key) && !HARMLESS_KEY.test(key)) {
    if (value === null || typeof value === "number" || typeof value === "boolean") return value;
    return REDACTED;
  }
  if (typeof value === "string") return URL_LIKE.test(value) ? safeUrl(value) : value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, undefined));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, k)]));
  }
  return value;
}

/**
 * An entry's details as they are kept: plain JSON (what JSON.stringify keeps of them), with the
 * values of secret-named fields replaced and credentials taken out of URLs.
 */
export function safeDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(details ?? {})) as unknown;
  if (plain === null || typeof plain !== "object" || Array.isArray(plain))
    throw new TypeError("audit details must be a JSON object");
  return scrub(plain, undefined) as Record<string, unknown>;
}
