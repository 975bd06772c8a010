/**
 * Secret masking for log output, following the runner's SecretMasker: every occurrence of every registered
 * value, and of each of its encoded forms (base64, JSON/URI/XML escapes …, see mask-forms.ts), is replaced,
 * and overlapping or adjacent occurrences are merged into a single "***". One regular expression holds them
 * all (up to hundreds of values), so a line is scanned once.
 */

import { maskForms } from "./mask-forms.js";

const MASK = "***";

export class Masker {
  /** The values as registered. */
  private readonly registered = new Set<string>();
  /** What is masked: the values and their forms. */
  private readonly values = new Set<string>();
  private regexes: RegExp[] | undefined;

  /**
   * Registers a value with its encoded forms. Empty and whitespace-only values are ignored. A multi-line
   * value registers the whole value and each of its non-blank lines (a trailing "\r" stripped), so it is
   * masked even when printed line by line.
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

  /** Replaces every registered value (and form) in `text` with "***". */
  mask(text: string): string {
    if (this.values.size === 0 || text === "") return text;
    this.regexes ??= buildRegexes(this.values);
    const found: Array<[number, number]> = [];
    for (const regex of this.regexes) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        found.push([m.index, m.index + m[0].length]);
        // Continue right after the match start so secrets overlapping this one are found too.
        regex.lastIndex = m.index + 1;
      }
    }
    if (found.length === 0) return text;
    if (this.regexes.length > 1) found.sort((a, b) => a[0] - b[0]);

    let out = "";
    let copied = 0; // text before this index has been written to `out`
    let [start, end] = found[0]; // current merged range [start, end)
    for (const [from, to] of found) {
      if (from <= end) {
        end = Math.max(end, to);
        continue;
      }
      out += text.slice(copied, start) + MASK;
      copied = end;
      start = from;
      end = to;
    }
    return out + text.slice(copied, start) + MASK + text.slice(end);
  }

  private register(value: string): void {
    if (this.registered.has(value)) return;
    this.registered.add(value);
    this.values.add(value);
    for (const form of maskForms(value)) this.values.add(form);
    this.regexes = undefined;
  }
}

/**
 * Past this many characters of pattern V8 compiles a regular expression without its optimisations
 * (kRegExpTooLargeToOptimize, 20 KB): with 500 secrets and their forms one alternation scanned a line
 * 3-4 times slower than alternations of 16,000 characters each (and 8,000 was slower again). Only
 * hundreds of secrets need more than one.
 */
const MAX_PATTERN_LENGTH = 16_000;

/** Alternations of all values, longest first so the longest value at a position wins. */
function buildRegexes(values: Iterable<string>): RegExp[] {
  const sources = [...values]
    .sort((a, b) => b.length - a.length)
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const regexes: RegExp[] = [];
  let chunk: string[] = [];
  let length = 0;
  for (const source of sources) {
    if (chunk.length > 0 && length + source.length + 1 > MAX_PATTERN_LENGTH) {
      regexes.push(new RegExp(chunk.join("|"), "g"));
      chunk = [];
      length = 0;
    }
    chunk.push(source);
    length += source.length + 1;
  }
  regexes.push(new RegExp(chunk.join("|"), "g"));
  return regexes;
}
