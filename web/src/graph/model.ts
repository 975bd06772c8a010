// The run's pipeline as nodes: the workflow's jobs (from …/runs/{id}/graph) joined with the stored
// jobs (…/runs/{id}/jobs) by their keys. A matrix job is one node holding its legs; a
// reusable-workflow call is a group holding the called workflow's jobs.

/** A job of the workflow, as the graph route gives it. */
export interface GraphJobDef {
  id: string;
  name: string | null;
  needs: string[];
  uses: string | null;
  matrix: boolean;
  /** The environment it deploys to, when its name is plain text (absent from older servers). */
  environment?: string | null;
  jobs: GraphJobDef[] | null;
}

/** What the model needs of a stored job. */
export interface JobRow {
  id: number;
  name: string;
  job_key: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
}

export interface GraphNode<R extends JobRow = JobRow> {
  /** The node's path in the workflow: `build`, `call/test`. */
  path: string;
  id: string;
  label: string;
  kind: "job" | "matrix" | "call";
  needs: string[];
  state: string;
  startedAt: string | null;
  completedAt: string | null;
  /** The stored jobs: one for a job, the legs of a matrix, every job inside a call. */
  rows: R[];
  /** A call's jobs. */
  children: GraphNode<R>[];
}

/** A job key without its matrix indexes: `call/0/test/1` → `call/test`. */
export function pathOfKey(key: string): string {
  return key
    .split("/")
    .filter((s) => !/^\d+$/.test(s))
    .join("/");
}

/**
 * One state for several: running while any runs or waits (queued when all wait; waiting when one
 * waits on an environment's protection rules and none runs), then failure, cancelled, success;
 * skipped only when all were.
 */
export function aggregateState(states: string[]): string {
  const waiting = (s: string) => s === "queued" || s === "waiting" || s === "pending";
  if (states.includes("waiting") && !states.includes("in_progress")) return "waiting";
  if (states.length === 0 || states.every(waiting)) return "queued";
  if (states.some((s) => s === "in_progress" || waiting(s))) return "in_progress";
  if (states.includes("failure")) return "failure";
  if (states.includes("cancelled")) return "cancelled";
  if (states.every((s) => s === "skipped")) return "skipped";
  return "success";
}

function rowState(r: JobRow): string {
  return r.status === "completed" ? (r.conclusion ?? "cancelled") : r.status;
}

function span(rows: JobRow[]): { startedAt: string | null; completedAt: string | null } {
  const starts = rows.map((r) => r.started_at).filter((s): s is string => !!s);
  const ends = rows.map((r) => r.completed_at);
  const startedAt = starts.length ? starts.reduce((a, b) => (a < b ? a : b)) : null;
  const done = rows.length > 0 && ends.every((e) => !!e);
  const completedAt = done ? (ends as string[]).reduce((a, b) => (a > b ? a : b)) : null;
  return { startedAt, completedAt };
}

/**
 * A matrix job's name from its legs' (`Test (linux, 18)`, `Test (mac, 20)` → `Test`): what their
 * names share, before the matrix values; undefined when they share nothing.
 */
export function matrixName(rows: JobRow[]): string | undefined {
  const names = rows.map((r) => r.name.split(" / ").pop() ?? r.name);
  if (names.length === 0) return undefined;
  let common = names[0];
  for (const n of names.slice(1)) {
    let i = 0;
    while (i < common.length && i < n.length && common[i] === n[i]) i++;
    common = common.slice(0, i);
  }
  // A single leg's name is all shared: drop its values (the last parenthesis).
  if (names.length === 1) common = common.replace(/\s*\([^()]*\)\s*$/, "");
  // Values that differ inside the parenthesis (`build (18, linux)`, `build (18, mac)`): all go.
  const open = common.lastIndexOf("(");
  if (open >= 0 && !common.includes(")", open)) common = common.slice(0, open);
  const name = common.replace(/[\s(,:-]+$/, "").trim();
  return name || undefined;
}

/**
 * The nodes of a run's graph. `runDone`: a job without a stored row then never ran (skipped),
 * else it is still to come (queued). Stored jobs the definitions do not name (a workflow that
 * could not be read) become nodes of their own, without edges.
 */
export function buildGraph<R extends JobRow>(
  defs: GraphJobDef[] | null,
  rows: R[],
  runDone: boolean,
): GraphNode<R>[] {
  const byPath = new Map<string, R[]>();
  for (const r of rows) {
    const p = pathOfKey(r.job_key);
    byPath.set(p, [...(byPath.get(p) ?? []), r]);
  }
  const used = new Set<string>();
  const missing = runDone ? "skipped" : "queued";

  const level = (list: GraphJobDef[] | null, prefix: string): GraphNode<R>[] => {
    const nodes: GraphNode<R>[] = [];
    for (const d of list ?? []) {
      const path = prefix + d.id;
      if (d.uses) {
        const children = level(d.jobs, `${path}/`);
        // Jobs of a call whose workflow could not be read: one node per job seen.
        if (d.jobs === null) {
          for (const [p, rs] of byPath) {
            if (!p.startsWith(`${path}/`) || used.has(p)) continue;
            used.add(p);
            children.push(leaf(p, p.slice(path.length + 1), null, [], rs, false));
          }
        }
        const all = children.flatMap((c) => c.rows);
        const states = children.map((c) => c.state);
        nodes.push({
          path,
          id: d.id,
          label: d.name ?? d.id,
          kind: "call",
          needs: d.needs,
          state: children.length ? aggregateState(states) : missing,
          ...span(all),
          rows: all,
          children,
        });
        continue;
      }
      used.add(path);
      nodes.push(leaf(path, d.id, d.name, d.needs, byPath.get(path) ?? [], d.matrix));
    }
    return nodes;
  };

  const leaf = (path: string, id: string, name: string | null, needs: string[], rs: R[], matrix: boolean) => {
    const label =
      !matrix && rs.length === 1 ? rs[0].name.split(" / ").pop() || id : (name ?? matrixName(rs) ?? id);
    return {
      path,
      id,
      label,
      kind: matrix || rs.length > 1 ? ("matrix" as const) : ("job" as const),
      needs,
      state: rs.length ? aggregateState(rs.map(rowState)) : missing,
      ...span(rs),
      rows: rs,
      children: [],
    };
  };

  const nodes = level(defs, "");
  for (const [p, rs] of byPath) {
    if (used.has(p) || nodes.some((n) => n.kind === "call" && p.startsWith(`${n.path}/`))) continue;
    nodes.push(leaf(p, p, null, [], rs, false));
  }
  return nodes;
}
