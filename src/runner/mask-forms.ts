/**
 * The forms a secret can take in output besides its own text, as GitHub's runner registers them
 * with its SecretMasker (actions/runner, src/Sdk/DTLogging/Logging/ValueEncoders.cs, and the
 * encoders HostContext adds): base64 at the three byte offsets, JSON-, URI- and XML-escaped, with
 * `"` and `'` escaped as a command line and an expression escape them, and the PowerShell
 * sections around `&`. Some escapers common in scripts are added too (encodeURIComponent,
 * form encoding, JSON with \uXXXX escapes, HTML's &#39;, base64url).
 */

/**
 * Base64 forms shorter than this are not masked: the stable characters of a short value's base64
 * are a few common letters ("a" → "Y…") that would mask unrelated text. The value itself is masked
 * whatever its length.
 */
export const MIN_BASE64_FORM_LENGTH = 6;

/** Every form of `value` to mask besides the value itself (may repeat it or each other). */
export function maskForms(value: string): string[] {
  const forms = [...base64Forms(value), ...escapedForms(value)];
  const quoted = trimDoubleQuotes(value);
  if (quoted) forms.push(quoted);
  forms.push(...powerShellSections(value));
  return forms.filter((f) => f !== "" && f !== value);
}

/**
 * Base64 of the value as GitHub's runner registers it (the whole value, and with its first one and
 * two bytes dropped: Base64StringEscape, …Shift1, …Shift2), and the characters that stay the same
 * wherever the value sits in a longer encoded text (`user:secret`, a value followed by a newline):
 * for the value at byte offset 0, 1 or 2 of a 3-byte group, the characters whose 6 bits all come
 * from the value. Each also as base64url when that differs.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const out: string[] = [];
  for (let shift = 0; shift <= 2 && (shift === 0 || bytes.length > shift); shift++) {
    out.push(bytes.subarray(shift).toString("base64"));
  }
  for (let offset = 0; offset <= 2; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    // Character i carries bits [6i, 6i + 6); the value's bits are [8·offset, 8·(offset + n)).
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    out.push(encoded.slice(first, end));
  }
  const long = out.filter((f) => f.length >= MIN_BASE64_FORM_LENGTH);
  const url = long.map((f) => f.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""));
  return [...long, ...url];
}

/** The escaped forms: JSON, URI, XML/HTML, a command line's \" and an expression's ''. */
function escapedForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const out = [
    json,
    json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    value.replaceAll('"', '\\"'),
    value.replaceAll("'", "''"),
  ];
  try {
    const uri = encodeURIComponent(value);
    // .NET's Uri.EscapeDataString (RFC 3986: only A-Z a-z 0-9 - . _ ~ stay) and form encoding.
    out.push(
      uri,
      uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    );
    out.push(new URLSearchParams({ v: value }).toString().slice(2));
  } catch {
    // A lone surrogate has no URI form.
  }
  const xml = value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
  out.push(xml.replaceAll("'", "&apos;"), xml.replaceAll("'", "&#39;"));
  return out;
}

/** A value longer than 8 characters in double quotes also masks what is between them (TrimDoubleQuotes). */
function trimDoubleQuotes(value: string): string {
  return value.length > 8 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : "";
}

/**
 * PowerShell prints a failing command's `a&b&c` in two sections around the last `&` (or after
 * `&+`, the next character coloured apart): PowerShellPre/PostAmpersandEscape, 6 characters or more.
 */
function powerShellSections(value: string): string[] {
  if (!value.includes("&")) return [];
  let pre: string;
  let post = "";
  const plus = value.indexOf("&+");
  if (plus >= 0) {
    pre = value.slice(0, plus + 2);
    if (value.length > plus + 3) post = value.slice(plus + 3);
  } else {
    const last = value.lastIndexOf("&");
    pre = value.slice(0, last + 1);
    post = value.slice(last + 1);
  }
  return [pre, post].filter((s) => s.length >= 6);
}
