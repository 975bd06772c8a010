// The promotion path of a repository's environments (dev → staging → production): the order the
// workflows' `needs` chains give the jobs that deploy to them, else the order they were first used.
import type { GraphJobDef } from "../graph/model.js";

/** Environment A comes before B: a job deploying to B needs (directly or not) one deploying to A. */
export type Edge = [before: string, after: string];

interface Node {
  environment: string | null;
  needs: string[];
}

/**
 * The jobs of a workflow as nodes with their `needs`, a reusable-workflow call as two nodes
 * (`call:start` that its jobs need, `call` that needs its jobs), so a job needing the call
 * comes after every job inside it.
 */
function nodesOf(defs: GraphJobDef[], prefix = "", into = new Map<string, Node>(), outer: string[] = []) {
  for (const d of defs) {
    const path = prefix + d.id;
    const needs = [...d.needs.map((n) => prefix + n), ...outer];
    if (d.uses) {
      const start = `${path}:start`;
      into.set(start, { environment: null, needs });
      const inner = d.jobs ?? [];
      nodesOf(inner, `${path}/`, into, [start]);
      into.set(path, { environment: null, needs: [start, ...inner.map((j) => `${path}/${j.id}`)] });
      continue;
    }
    into.set(path, { environment: d.environment ?? null, needs });
  }
  return into;
}

/** The environment pairs one workflow's `needs` chains order. */
export function edgesOf(defs: GraphJobDef[]): Edge[] {
  const nodes = nodesOf(defs);
  const edges = new Map<string, Edge>();
  for (const [path, node] of nodes) {
    if (!node.environment) continue;
    // Every job this one needs, directly or not.
    const seen = new Set<string>([path]);
    const stack = [...node.needs];
    while (stack.length) {
      const p = stack.pop() as string;
      if (seen.has(p)) continue;
      seen.add(p);
      const before = nodes.get(p);
      if (!before) continue;
      if (before.environment && before.environment !== node.environment)
        edges.set(`${before.environment}\n${node.environment}`, [before.environment, node.environment]);
      stack.push(...before.needs);
    }
  }
  return [...edges.values()];
}

/**
 * The environments in promotion order: each after those the edges put before it; among those
 * free to come next, the one first used earliest (then by name). A pair ordered both ways by
 * different workflows is ordered by first use, and so is a longer cycle where it stalls.
 */
export function promotionOrder(environments: { name: string; firstUsed: string }[], edges: Edge[]): string[] {
  const known = new Set(environments.map((e) => e.name));
  const first = new Map(environments.map((e) => [e.name, e.firstUsed]));
  const byAge = (a: string, b: string) =>
    (first.get(a) ?? "").localeCompare(first.get(b) ?? "") || a.localeCompare(b);
  const before = new Map<string, Set<string>>(environments.map((e) => [e.name, new Set<string>()]));
  const said = new Set(edges.map(([a, b]) => `${a}\n${b}`));
  for (const [a, b] of edges) {
    // Two workflows that order a pair both ways say nothing about it.
    if (said.has(`${b}\n${a}`)) continue;
    if (known.has(a) && known.has(b) && a !== b) before.get(b)?.add(a);
  }
  const left = new Set(known);
  const order: string[] = [];
  while (left.size) {
    const free = [...left].filter((n) => [...(before.get(n) ?? [])].every((b) => !left.has(b)));
    const next = (free.length ? free : [...left]).sort(byAge)[0];
    order.push(next);
    left.delete(next);
  }
  return order;
}
