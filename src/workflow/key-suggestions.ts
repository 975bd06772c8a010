import { MappingDefinition } from "@actions/workflow-parser/templates/schema/mapping-definition";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { isMapping, isSequence, isString } from "@actions/workflow-parser/templates/tokens/type-guards";
import type { Problem } from "./problems.js";
import { workflowSchema } from "./schema-cache.js";

let keySets: Set<string>[] | undefined;

/** The property names of each mapping the workflow schema defines (on:, a job, a step …). */
function schemaKeySets(): Set<string>[] {
  keySets ??= Object.values(workflowSchema().definitions)
    .filter((d): d is MappingDefinition => d instanceof MappingDefinition)
    .map((d) => new Set(Object.keys(d.properties)))
    .filter((s) => s.size > 0);
  return keySets;
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

function contains(token: TemplateToken, line: number, col: number): boolean {
  const r = token.range;
  if (!r) return false;
  const at = line * 1e6 + col;
  return at >= r.start.line * 1e6 + r.start.column && at <= r.end.line * 1e6 + r.end.column;
}

/**
 * The innermost mapping whose range holds line:col. The parser leaves a key it rejects out of its
 * mapping, but the mapping's range still spans it.
 */
function enclosingMapping(token: TemplateToken, line: number, col: number): MappingToken | undefined {
  if (!contains(token, line, col)) return undefined;
  const children = isMapping(token) ? [...token].map((p) => p.value) : isSequence(token) ? [...token] : [];
  for (const c of children) {
    const inner = enclosingMapping(c, line, col);
    if (inner) return inner;
  }
  return isMapping(token) ? token : undefined;
}

/** The known key nearest to `key` among those that fit beside `siblings`; undefined when none is close. */
export function nearestKey(key: string, siblings: string[]): string | undefined {
  const sets = schemaKeySets();
  const fitting = sets.filter((s) => siblings.every((k) => s.has(k)));
  const candidates = new Set((fitting.length > 0 ? fitting : sets).flatMap((s) => [...s]));
  const lower = key.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = distance(lower, name);
    if (!best || d < best.d || (d === best.d && name < best.name)) best = { name, d };
  }
  // Close enough to be a slip: at most 2 edits, and at most half the word.
  return best && best.d <= 2 && best.d * 2 <= key.length ? best.name : undefined;
}

const UNEXPECTED = /^Unexpected value '(.*)'$/;

/**
 * "Unexpected value 'branchs'" for a misspelt key becomes "… (did you mean 'branches'?)": the
 * nearest key the schema allows beside the mapping's other (known) keys.
 */
export function suggestKeys(root: MappingToken, content: string, problems: Problem[]): Problem[] {
  const lines = content.split("\n");
  const known = new Set(schemaKeySets().flatMap((s) => [...s]));
  return problems.map((p) => {
    const m = UNEXPECTED.exec(p.message);
    // Only a key: the text at the position is the rejected value followed by a colon.
    const text = lines[p.line - 1]?.slice(p.col - 1) ?? "";
    if (!m || !text.startsWith(`${m[1]}:`)) return p;
    const mapping = enclosingMapping(root, p.line, p.col);
    const siblings = mapping
      ? [...mapping].flatMap((pair) =>
          isString(pair.key) && known.has(pair.key.value) ? [pair.key.value] : [],
        )
      : [];
    const near = nearestKey(m[1], siblings);
    return near && near !== m[1] ? { ...p, message: `${p.message} (did you mean '${near}'?)` } : p;
  });
}
