// Places a run's graph: jobs in columns by their depth along `needs` (a job stands right of
// everything it needs), stacked in workflow order; a call is a box around its own graph.
import type { GraphNode } from "./model.js";

export const SIZES = {
  nodeW: 240,
  nodeH: 48,
  legH: 34,
  gapX: 56,
  gapY: 16,
  groupHead: 40,
  groupPad: 12,
};

export interface Box {
  path: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** How deep in calls (0: a job of the run's workflow). */
  depth: number;
}

export interface Edge {
  from: string;
  to: string;
  /** An SVG path from the right of `from` to the left of `to`. */
  d: string;
}

export interface Layout {
  width: number;
  height: number;
  boxes: Box[];
  edges: Edge[];
}

/** The column of each node: 0 without needs, else one past the deepest job it needs. */
export function columnsOf(nodes: Pick<GraphNode, "id" | "needs">[]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const column = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = column.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    if (!node || seen.has(id)) return -1;
    seen.add(id);
    let c = 0;
    for (const n of node.needs) if (byId.has(n)) c = Math.max(c, visit(n, seen) + 1);
    column.set(id, c);
    return c;
  };
  for (const n of nodes) visit(n.id, new Set());
  return column;
}

function edgePath(x1: number, y1: number, x2: number, y2: number): string {
  const dx = Math.max(16, (x2 - x1) / 2);
  return `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
}

/** Lays out `nodes`; `expanded` holds the paths of the matrix jobs whose legs are shown. */
export function layoutGraph(nodes: GraphNode[], expanded: ReadonlySet<string>, depth = 0): Layout {
  const S = SIZES;
  const columns = columnsOf(nodes);
  const inner = new Map<string, Layout>();
  const size = (n: GraphNode): { w: number; h: number } => {
    if (n.kind === "call") {
      const l = layoutGraph(n.children, expanded, depth + 1);
      inner.set(n.path, l);
      return {
        w: Math.max(S.nodeW, l.width + 2 * S.groupPad),
        h: S.groupHead + (l.height > 0 ? l.height + S.groupPad : 0),
      };
    }
    const legs = n.kind === "matrix" && expanded.has(n.path) ? n.rows.length : 0;
    return { w: S.nodeW, h: S.nodeH + legs * S.legH };
  };
  const cols: GraphNode[][] = [];
  for (const n of nodes) (cols[columns.get(n.id) ?? 0] ??= []).push(n);
  const boxes: Box[] = [];
  const edges: Edge[] = [];
  const at = new Map<string, Box>();
  let x = 0;
  let height = 0;
  for (const col of cols) {
    if (!col) continue;
    const sized = col.map((n) => ({ n, ...size(n) }));
    const width = Math.max(...sized.map((s) => s.w));
    let y = 0;
    for (const s of sized) {
      const box = { path: s.n.path, x, y, w: width, h: s.h, depth };
      boxes.push(box);
      at.set(s.n.id, box);
      const l = inner.get(s.n.path);
      if (l) {
        const ox = x + S.groupPad;
        const oy = y + S.groupHead;
        for (const b of l.boxes) boxes.push({ ...b, x: b.x + ox, y: b.y + oy });
        for (const e of l.edges) edges.push({ ...e, d: translate(e.d, ox, oy) });
      }
      y += s.h + S.gapY;
    }
    height = Math.max(height, y - S.gapY);
    x += width + S.gapX;
  }
  for (const n of nodes) {
    const to = at.get(n.id);
    if (!to) continue;
    for (const need of n.needs) {
      const from = at.get(need);
      if (!from) continue;
      edges.push({
        from: from.path,
        to: to.path,
        d: edgePath(from.x + from.w, from.y + S.nodeH / 2, to.x, to.y + S.nodeH / 2),
      });
    }
  }
  return { width: Math.max(0, x - S.gapX), height, boxes, edges };
}

/** An edge path moved by (dx, dy). */
function translate(d: string, dx: number, dy: number): string {
  return d.replace(
    /(-?[\d.]+),(-?[\d.]+)/g,
    (_, a: string, b: string) => `${Number(a) + dx},${Number(b) + dy}`,
  );
}
