import { describe, expect, it } from "vitest";
import { LogModel, splitStamp, visibleRows } from "./log-model.js";

const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, "0")}.000Z`;

function model(lines: string[]): LogModel {
  const m = new LogModel();
  for (const l of lines) m.push(l);
  m.finish();
  return m;
}

describe("the job log", () => {
  it("reads the server's timestamps", () => {
    expect(splitStamp(`${T(1)} hello world`)).toEqual({ time: T(1), text: "hello world" });
    expect(splitStamp("no stamp")).toEqual({ time: null, text: "no stamp" });
  });

  it("splits steps at the server's step headers, lines before the first in 'Set up job'", () => {
    const m = model([
      `${T(0)} Runner gantry picked up the job`,
      `${T(1)} ##[group]Run make`,
      `${T(1)} ##[endgroup]`,
      `${T(2)} compiling`,
      `${T(5)} ##[group]Run test`,
      `${T(5)} ##[endgroup]`,
      `${T(9)} ok`,
    ]);
    expect(m.steps.map((s) => [s.name, s.rows.map((r) => [r.n, r.text]), s.startedAt, s.endedAt])).toEqual([
      ["Set up job", [[1, "Runner gantry picked up the job"]], T(0), T(1)],
      ["Run make", [[2, "compiling"]], T(1), T(5)],
      ["Run test", [[3, "ok"]], T(5), T(9)],
    ]);
  });

  it("folds ::group:: sections, nested ones too, and keeps a group title held at the end", () => {
    const m = model([
      "##[group]Build",
      "##[endgroup]",
      "before",
      "##[group]Install",
      "a",
      "##[group]Inner",
      "b",
      "##[endgroup]",
      "c",
      "##[endgroup]",
      "after",
      "##[group]Last",
    ]);
    const rows = m.steps[0].rows;
    expect(rows.map((r) => [r.n, r.text, r.parents, r.group ?? null])).toEqual([
      [1, "before", [], null],
      [2, "Install", [], 1],
      [3, "a", [1], null],
      [4, "Inner", [1], 2],
      [5, "b", [1, 2], null],
      [6, "c", [1], null],
      [7, "after", [], null],
      [8, "Last", [], 3],
    ]);
    const texts = (open: number[], groups: number[]) =>
      visibleRows(m.steps, new Set(open), new Set(groups)).map((v) =>
        v.kind === "step" ? `# ${v.step.name}` : v.row.text,
      );
    expect(texts([], [])).toEqual(["# Build"]);
    expect(texts([0], [])).toEqual(["# Build", "before", "Install", "after", "Last"]);
    expect(texts([0], [1])).toEqual(["# Build", "before", "Install", "a", "Inner", "c", "after", "Last"]);
    expect(texts([0], [1, 2])).toHaveLength(9);
    // An inner group open inside a closed one stays hidden.
    expect(texts([0], [2])).toEqual(["# Build", "before", "Install", "after", "Last"]);
  });

  it("holds a ##[group] line until the next line says what it is (live tail)", () => {
    const m = new LogModel();
    m.push("##[group]Run a");
    expect(m.steps).toHaveLength(0);
    m.push("##[endgroup]");
    expect(m.steps.map((s) => s.name)).toEqual(["Run a"]);
    const v = m.version;
    m.push("x");
    expect(m.version).toBeGreaterThan(v);
    expect(m.rows.map((r) => r.text)).toEqual(["x"]);
  });

  it("keeps 50,000 lines in one step, all shown when it is open", () => {
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) lines.push(`${T(i % 60)} line ${i} \u001b[32mgreen\u001b[0m`);
    const m = model(["##[group]Run big", "##[endgroup]", ...lines]);
    expect(m.rows).toHaveLength(50_000);
    expect(m.steps.map((s) => s.name)).toEqual(["Run big"]);
    expect(visibleRows(m.steps, new Set([0]), new Set())).toHaveLength(50_001);
  });
});
