/**
 * Secret masking for log output, following the runner's SecretMasker: every occurrence of every registered
 * value, and of each of its encoded forms (base64, JSON/URI/XML escapes …, see mask-forms.ts), is replaced,
 * and overlapping or adjacent occurrences are merged into a single "***". A job's first lines are
 * searched for each value in turn; past those (or with many values) the values are held in a few
 * regular expressions (alternations), so a line is scanned a few times at most whatever their number.
 */

import { maskForms } from "./mask-forms.js";

const MASK = "***";

/**
 * Past this many characters of pattern V8 compiles a regular expression without its optimisations
 * (kRegExpTooLargeToOptimize, 20 KB): with 500 secrets and their forms one alternation scanned a line
 * 3-4 times slower than alternations of 16,000 characters each (and 8,000 was slower again).
 */
const MAX_PATTERN_LENGTH = 16_000;

/**
 * Compiling the alternations costs milliseconds (V8 compiles each new pattern when first run), more
 * than a short job's whole log takes to search value by value: a job's first SCAN_CALLS texts are
 * searched that way while it has at most SCAN_VALUES values, and the alternations are compiled only
 * for a job that writes more (a job with its GITHUB_TOKEN alone has about 25 values with their forms).
 */
const SCAN_CALLS = 1000;
const SCAN_VALUES = 256;

/** One alternation of values (escaped for a regular expression), longest first. */
interface Alternation {
  sources: string[];
  /** The pattern's length. */
  length: number;
  regex: RegExp;
}

export class Masker {
  /** Texts masked so far by searching value by value (see SCAN_CALLS). */
  private scans = 0;
  /** The values as registered. */
  private readonly registered = new Set<string>();
  /** What is masked: the values and their forms. */
  private readonly values = new Set<string>();
  /** Values registered since the last mask, not yet in an alternation. */
  private pending: string[] = [];
  /**
   * Older and larger first. A new alternation absorbs the ones before it that are no larger (as a
   * binary counter carries), so a value is compiled again O(log n) times however the values come:
   * all at the start, or one add-mask at a time between lines.
   */
  private readonly alternations: Alternation[] = [];

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

  /**
   * `scanCalls`: how many texts are searched value by value before the alternations are compiled
   * (tests set it to compare both ways).
   */
  constructor(private readonly scanCalls = SCAN_CALLS) {}

  /**
   * A masker of its own with what this one masks (a job's, from the values every job of its run
   * masks: their forms are made once). What either masks later is its own.
   */
  copy(): Masker {
    const copy = new Masker(this.scanCalls);
    copy.scans = this.scans;
    for (const v of this.registered) copy.registered.add(v);
    for (const v of this.values) copy.values.add(v);
    copy.pending = [...this.pending];
    copy.alternations.push(...this.alternations);
    return copy;
  }

  /** Replaces every registered value (and form) in `text` with "***". */
  mask(text: string): string {
    if (this.values.size === 0 || text === "") return text;
    const scan = this.scans < this.scanCalls && this.values.size <= SCAN_VALUES;
    if (scan) this.scans++;
    const found = scan ? this.searchEach(text) : this.searchAlternations(text);
    if (found.length === 0) return text;

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

  /** Where each value occurs in `text`, overlaps included, in order of start. */
  private searchEach(text: string): Array<[number, number]> {
    const found: Array<[number, number]> = [];
    for (const value of this.values) {
      for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
        found.push([at, at + value.length]);
      }
    }
    if (found.length > 1) found.sort((a, b) => a[0] - b[0]);
    return found;
  }

  /** Where the values occur in `text` through the alternations (the longest at a start), in order of start. */
  private searchAlternations(text: string): Array<[number, number]> {
    const alternations = this.compiled();
    const found: Array<[number, number]> = [];
    for (const { regex } of alternations) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        found.push([m.index, m.index + m[0].length]);
        // Continue right after the match start so secrets overlapping this one are found too.
        regex.lastIndex = m.index + 1;
      }
    }
    if (alternations.length > 1) found.sort((a, b) => a[0] - b[0]);
    return found;
  }

  private register(value: string): void {
    if (this.registered.has(value)) return;
    this.registered.add(value);
    for (const v of [value, ...maskForms(value)]) {
      if (this.values.has(v)) continue;
      this.values.add(v);
      this.pending.push(v);
    }
  }

  /** The alternations, with the values registered since the last call added. */
  private compiled(): Alternation[] {
    if (this.pending.length === 0) return this.alternations;
    const added = this.pending.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.pending = [];
    for (const piece of pieces(added)) {
      let { sources, length } = piece;
      for (let last = this.alternations.at(-1); last; last = this.alternations.at(-1)) {
        if (last.length > length || last.length + length > MAX_PATTERN_LENGTH) break;
        this.alternations.pop();
        sources = [...last.sources, ...sources];
        length += last.length;
      }
      this.alternations.push(alternation(sources, length));
    }
    return this.alternations;
  }
}

/**
 * Maskers for lists of values: a new one for each job, copied from one made for the same list when a
 * job before it had it (the jobs of a run share the run's list), so the values' forms are made once
 * a run rather than once a job. A list is known by its identity and checked value by value, so a
 * masker never misses a value; it is forgotten with the list (its run).
 */
export class MaskerCache {
  private readonly made = new WeakMap<readonly string[], { values: string[]; masker: Masker }>();

  /** A new masker with `values` (and their forms) registered. */
  of(values: readonly string[]): Masker {
    const made = this.made.get(values);
    if (made && made.values.length === values.length && made.values.every((v, i) => v === values[i]))
      return made.masker.copy();
    const masker = new Masker();
    for (const v of values) masker.add(v);
    this.made.set(values, { values: [...values], masker });
    return masker.copy();
  }
}

/** `sources` in runs of at most MAX_PATTERN_LENGTH characters of pattern (a longer value alone). */
function pieces(sources: string[]): Array<{ sources: string[]; length: number }> {
  const out: Array<{ sources: string[]; length: number }> = [];
  let current = { sources: [] as string[], length: 0 };
  for (const source of sources) {
    if (current.sources.length > 0 && current.length + source.length + 1 > MAX_PATTERN_LENGTH) {
      out.push(current);
      current = { sources: [], length: 0 };
    }
    current.sources.push(source);
    current.length += source.length + 1;
  }
  if (current.sources.length > 0) out.push(current);
  return out;
}

/**
 * Longest first, so the longest value at a position wins. (Escaping keeps that order among the values
 * it matters for: those that start another one.)
 */
function alternation(sources: string[], length: number): Alternation {
  const sorted = [...sources].sort((a, b) => b.length - a.length);
  return { sources: sorted, length, regex: new RegExp(sorted.join("|"), "g") };
}
