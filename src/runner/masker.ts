/**
 * Secret masking for log output, following the runner's SecretMasker: every occurrence of every registered
 * value is replaced, and overlapping or adjacent occurrences are merged into a single "***".
 */

const MASK = "***";

export class Masker {
  private readonly values = new Set<string>();
  private regex: RegExp | undefined;

  /**
   * Registers a value. Empty and whitespace-only values are ignored. A multi-line value registers the
   * whole value and each of its non-blank lines (a trailing "\r" stripped), so it is masked even when
   * printed line by line.
   */
  add(secret: string): void {
    if (secret.trim() === "") return;
    this.register(secret);
    if (!secret.includes("\n")) return;
    for (const line of secret.split("\n")) {
      const value = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (value.trim() !== "") this.register(value);
    }
  }

  /** Replaces every registered value in `text` with "***". */
  mask(text: string): string {
    if (this.values.size === 0 || text === "") return text;
    this.regex ??= buildRegex(this.values);
    const regex = this.regex;
    regex.lastIndex = 0;

    let out = "";
    let copied = 0; // text before this index has been written to `out`
    let start = -1; // current merged range [start, end)
    let end = -1;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      const matchEnd = m.index + m[0].length;
      if (start >= 0 && m.index <= end) {
        end = Math.max(end, matchEnd);
      } else {
        if (start >= 0) {
          out += text.slice(copied, start) + MASK;
          copied = end;
        }
        start = m.index;
        end = matchEnd;
      }
      // Continue right after the match start so secrets overlapping this one are found too.
      regex.lastIndex = m.index + 1;
    }
    if (start < 0) return text;
    return out + text.slice(copied, start) + MASK + text.slice(end);
  }

  private register(value: string): void {
    if (this.values.has(value)) return;
    this.values.add(value);
    this.regex = undefined;
  }
}

/** One alternation of all values, longest first so the longest secret at a position wins. */
function buildRegex(values: Iterable<string>): RegExp {
  const source = [...values]
    .sort((a, b) => b.length - a.length)
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|");
  return new RegExp(source, "g");
}
