/**
 * The server's 422 for a dispatch, placed on the form: each `Input 'name' …` problem next to its
 * field (without the file:line:col it starts with), a missing ref on the ref field, the rest above.
 */
export function placeErrors(
  message: string,
  errors: string[],
): { fields: Record<string, string>; ref?: string; form: string[] } {
  const fields: Record<string, string> = {};
  const form: string[] = [];
  let ref: string | undefined;
  if (/^No ref found/i.test(message)) ref = message;
  for (const e of errors) {
    const text = e.replace(/^[^\s:]+:\d+:\d+:\s*/, "");
    const m = /^Input '([^']+)'/.exec(text);
    if (m && !fields[m[1]]) fields[m[1]] = text;
    else form.push(text);
  }
  if (!ref && errors.length === 0) form.push(message);
  return { fields, ref, form };
}
