import { describe, expect, it } from "vitest";
import { columnsOf, layoutGraph, SIZES } from "./layout.js";
import { aggregateState, buildGraph, type GraphJobDef, type JobRow, pathOfKey } from "./model.js";

const def = (id: string, needs: string[] = [], over: Partial<GraphJobDef> = {}): GraphJobDef => ({
  id,
  name: null,
  needs,
  uses: null,
  matrix: false,
  jobs: null,
  ...over,
});

let nextId = 1;
const row = (job_key: string, status: string, conclusion: string | null = null, name = job_key): JobRow => ({
  id: nextId++,
  name,
  job_key,
  status,
  conclusion,
  started_at: status === "queued" ? null : "2026-01-01T00:00:00Z",
  completed_at: status === "completed" ? "2026-01-01T00:00:10Z" : null,
});

describe("the run graph", () => {
  it("strips matrix indexes from job keys", () => {
    expect(pathOfKey("build/0")).toBe("build");
    expect(pathOfKey("call/2/test/1")).toBe("call/test");
  });

  it("aggregates states: running while any runs or waits, failure over success, skipped only when all are", () => {
    expect(aggregateState(["success", "in_progress"])).toBe("in_progress");
    expect(aggregateState(["success", "queued"])).toBe("in_progress");
    expect(aggregateState(["queued", "queued"])).toBe("queued");
    expect(aggregateState(["success", "failure", "cancelled"])).toBe("failure");
    expect(aggregateState(["success", "skipped"])).toBe("success");
    expect(aggregateState(["skipped", "skipped"])).toBe("skipped");
    // A job held by an environment's protection rules shows as waiting, as on GitHub.
    expect(aggregateState(["waiting"])).toBe("waiting");
    expect(aggregateState(["success", "waiting", "queued"])).toBe("waiting");
    expect(aggregateState(["waiting", "in_progress"])).toBe("in_progress");
  });

  it("puts each job one column past the deepest job it needs", () => {
    const cols = columnsOf([
      { id: "a", needs: [] },
      { id: "b", needs: ["a"] },
      { id: "c", needs: ["a", "b"] },
      { id: "d", needs: [] },
      { id: "e", needs: ["missing"] },
      { id: "x", needs: ["y"] },
      { id: "y", needs: ["x"] },
    ]);
    expect(Object.fromEntries(cols)).toMatchObject({ a: 0, b: 1, c: 2, d: 0, e: 0 });
    // A cycle (invalid workflow) still gets columns, without looping.
    expect(cols.get("x")).toBeGreaterThanOrEqual(0);
  });

  it("joins definitions and stored jobs: matrix legs grouped, calls as groups, missing jobs waiting", () => {
    const defs = [
      def("build", [], { matrix: true }),
      def("deploy", ["build", "call"]),
      def("call", ["build"], {
        uses: "./.github/workflows/lib.yml",
        jobs: [def("lint"), def("test", ["lint"])],
      }),
    ];
    const rows = [
      row("build/0", "completed", "success", "build (18)"),
      row("build/1", "completed", "failure", "build (20)"),
      row("call/lint", "completed", "success", "call / lint"),
      row("call/test", "in_progress", null, "call / test"),
    ];
    const nodes = buildGraph(defs, rows, false);
    expect(nodes.map((n) => [n.path, n.kind, n.state, n.rows.length])).toEqual([
      ["build", "matrix", "failure", 2],
      ["deploy", "job", "queued", 0],
      ["call", "call", "in_progress", 2],
    ]);
    expect(nodes[2].children.map((c) => [c.path, c.label, c.state])).toEqual([
      ["call/lint", "lint", "success"],
      ["call/test", "test", "in_progress"],
    ]);
    expect(nodes[0]).toMatchObject({
      startedAt: "2026-01-01T00:00:00Z",
      completedAt: "2026-01-01T00:00:10Z",
    });
    // Once the run is over, a job that never ran was skipped.
    expect(buildGraph(defs, rows, true)[1].state).toBe("skipped");
  });

  it("shows stored jobs even without definitions (the workflow could not be read)", () => {
    const nodes = buildGraph(
      null,
      [row("a", "completed", "success"), row("b/0", "queued"), row("b/1", "queued")],
      false,
    );
    expect(nodes.map((n) => [n.path, n.kind])).toEqual([
      ["a", "job"],
      ["b", "matrix"],
    ]);
  });

  it("lays nodes out in columns with edges, legs taking room only when expanded", () => {
    const defs = [def("a", [], { matrix: true }), def("b", ["a"]), def("c")];
    const rows = [row("a/0", "queued"), row("a/1", "queued"), row("a/2", "queued")];
    const nodes = buildGraph(defs, rows, false);
    const closed = layoutGraph(nodes, new Set());
    const box = (l: typeof closed, p: string) => l.boxes.find((b) => b.path === p);
    expect(box(closed, "a")).toMatchObject({ x: 0, y: 0, h: SIZES.nodeH });
    expect(box(closed, "c")).toMatchObject({ x: 0, y: SIZES.nodeH + SIZES.gapY });
    expect(box(closed, "b")).toMatchObject({ x: SIZES.nodeW + SIZES.gapX, y: 0 });
    expect(closed.edges).toEqual([expect.objectContaining({ from: "a", to: "b" })]);
    expect(closed.width).toBe(2 * SIZES.nodeW + SIZES.gapX);
    const open = layoutGraph(nodes, new Set(["a"]));
    expect(box(open, "a")?.h).toBe(SIZES.nodeH + 3 * SIZES.legH);
    expect(box(open, "c")?.y).toBe(SIZES.nodeH + 3 * SIZES.legH + SIZES.gapY);
  });

  it("draws a call as a box around its own graph, its edges moved inside it", () => {
    const defs = [def("call", [], { uses: "./x.yml", jobs: [def("one"), def("two", ["one"])] })];
    const l = layoutGraph(buildGraph(defs, [], false), new Set());
    const group = l.boxes.find((b) => b.path === "call");
    const two = l.boxes.find((b) => b.path === "call/two");
    expect(group).toMatchObject({ x: 0, y: 0, depth: 0 });
    expect(group?.w).toBe(2 * SIZES.nodeW + SIZES.gapX + 2 * SIZES.groupPad);
    expect(two).toMatchObject({ x: SIZES.groupPad + SIZES.nodeW + SIZES.gapX, y: SIZES.groupHead, depth: 1 });
    expect(l.edges).toHaveLength(1);
    expect(
      l.edges[0].d.startsWith(`M${SIZES.groupPad + SIZES.nodeW},${SIZES.groupHead + SIZES.nodeH / 2}`),
    ).toBe(true);
  });
});
