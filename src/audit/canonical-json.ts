/**
 * The canonical JSON the audit trail hashes and signs (RFC 8785, JSON Canonicalization Scheme, for
 * the values an entry holds): no whitespace; object keys sorted by their UTF-16 code units, as
 * JavaScript sorts strings; strings and numbers as JSON.stringify writes them (ECMAScript's number
 * form, which JCS adopts); keys whose value is undefined left out, as JSON.stringify leaves them.
 * Any reader can recompute it: `jq -cS` gives the same bytes for entries whose numbers are integers.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    // undefined, a function or a symbol has no JSON form; non-finite numbers become null.
    return text === undefined ? "null" : text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object)
    .filter((k) => object[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`).join(",")}}`;
}
