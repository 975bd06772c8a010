import { UsageError } from "../workflow/index.js";

/**
 * Parses a dotenv file (--secret-file, --var-file): `KEY=value`, optional `export `,
 * `#` comments, single quotes literal, double quotes with \n escapes and line breaks.
 */
export function parseDotenv(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new UsageError(`${file}:${i + 1}:1: expected KEY=VALUE`);
    const [, key, rest] = m;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      let value = rest.slice(1);
      const start = i;
      while (!value.endsWith(quote) || value.length === 0) {
        if (++i >= lines.length) throw new UsageError(`${file}:${start + 1}:1: unterminated ${quote} quote`);
        value += `\n${lines[i]}`;
      }
      value = value.slice(0, -1);
      out[key] =
        quote === '"' ? value.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\") : value;
    } else {
      out[key] = rest.replace(/\s+#.*$/, "").trim();
    }
  }
  return out;
}

/** Parses repeated `K=V` flags. */
export function parsePairs(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got '${v}'`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
