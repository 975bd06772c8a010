import { useEffect, useMemo, useRef, useState } from "react";
import type { JobJson } from "../api.js";
import { durationBetween, stateOf } from "../format.js";
import { layoutGraph, SIZES } from "../graph/layout.js";
import type { GraphNode } from "../graph/model.js";
import { Link } from "../router.js";
import { StatusIcon } from "./StatusIcon.js";

interface Props {
  nodes: GraphNode<JobJson>[];
  jobHref: (job: JobJson) => string;
  now: number;
}

/** The run's pipeline: jobs as nodes, `needs` as edges, matrix legs expandable, calls as groups. */
export function Graph({ nodes, jobHref, now }: Props) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const layout = useMemo(() => layoutGraph(nodes, expanded), [nodes, expanded]);
  const byPath = useMemo(() => {
    const m = new Map<string, GraphNode<JobJson>>();
    const walk = (list: GraphNode<JobJson>[]) => {
      for (const n of list) {
        m.set(n.path, n);
        walk(n.children);
      }
    };
    walk(nodes);
    return m;
  }, [nodes]);
  // A matrix with a failed leg opens by itself, once (then it is the reader's to close).
  const opened = useRef(new Set<string>());
  useEffect(() => {
    const failed = [...byPath.values()]
      .filter((n) => n.kind === "matrix" && n.rows.some((r) => stateOf(r) === "failure"))
      .map((n) => n.path)
      .filter((p) => !opened.current.has(p));
    if (failed.length === 0) return;
    for (const p of failed) opened.current.add(p);
    setExpanded((s) => new Set([...s, ...failed]));
  }, [byPath]);
  const toggle = (path: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  if (nodes.length === 0) return <p className="muted">No jobs yet.</p>;
  return (
    <div className="graph-scroll">
      <div className="graph" style={{ width: layout.width, height: layout.height }}>
        <svg className="graph-edges" width={layout.width} height={layout.height} aria-hidden="true">
          {layout.edges.map((e) => (
            <path key={`${e.from}->${e.to}`} d={e.d} />
          ))}
        </svg>
        {layout.boxes.map((b) => {
          const n = byPath.get(b.path);
          if (!n) return null;
          const style = { left: b.x, top: b.y, width: b.w, height: b.h };
          // A skipped job never ran: no duration, as on GitHub.
          const time = n.state === "skipped" ? "" : durationBetween(n.startedAt, n.completedAt, now);
          if (n.kind === "call") {
            return (
              <section
                key={b.path}
                className={`graph-group state-${n.state}`}
                style={style}
                aria-label={n.label}
              >
                <header className="graph-group-head">
                  <StatusIcon state={n.state} />
                  <span className="node-label" title={n.label}>
                    {n.label}
                  </span>
                  <span className="node-time">{time}</span>
                </header>
              </section>
            );
          }
          const single = n.kind === "job" ? n.rows[0] : undefined;
          const open = expanded.has(n.path);
          return (
            <div key={b.path} className={`graph-node state-${n.state}`} style={style} data-job={n.path}>
              <div className="node-head" style={{ height: SIZES.nodeH }}>
                <StatusIcon state={n.state} />
                {single ? (
                  <Link className="node-label" to={jobHref(single)} title={n.label}>
                    {n.label}
                  </Link>
                ) : n.kind === "matrix" ? (
                  <button
                    type="button"
                    className="node-label node-toggle"
                    aria-expanded={open}
                    onClick={() => toggle(n.path)}
                    title={n.label}
                  >
                    {n.label} <span className="muted small">({n.rows.length})</span>
                    <span aria-hidden="true"> {open ? "▾" : "▸"}</span>
                  </button>
                ) : (
                  <span className="node-label" title={n.label}>
                    {n.label}
                  </span>
                )}
                <span className="node-time">{time}</span>
              </div>
              {open && (
                <ul className="legs">
                  {n.rows.map((r) => {
                    const leg = r.name.split(" / ").pop();
                    const state = stateOf(r);
                    return (
                      <li key={r.id} style={{ height: SIZES.legH }}>
                        <StatusIcon state={state} />
                        <Link to={jobHref(r)} title={leg}>
                          {leg}
                        </Link>
                        <span className="node-time">
                          {state === "skipped" ? "" : durationBetween(r.started_at, r.completed_at, now)}
                        </span>
                      </li>
                    );
                  })}
                </ul>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
