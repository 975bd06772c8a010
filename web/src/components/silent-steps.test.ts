import { describe, expect, it } from "vitest";
import type { LogStep, ViewRow } from "../log/log-model.js";
import { silentSteps, withSilentSteps } from "./silent-steps.js";

const api = (names: string[], state = "queued") => names.map((name, i) => ({ name, number: i + 1, state }));
const step = (index: number, name: string): LogStep => ({
  index,
  name,
  rows: [],
  startedAt: null,
  endedAt: null,
});

describe("silentSteps", () => {
  it("places the steps the log lacks after the log step before them", () => {
    const log = [{ name: "Set up job" }, { name: "a" }, { name: "c" }];
    expect(silentSteps(api(["a", "b", "c", "d"]), log)).toEqual([
      { after: 1, name: "b", state: "queued", number: 2 },
      { after: 2, name: "d", state: "queued", number: 4 },
    ]);
  });

  it("lists every step when the log holds none yet", () => {
    expect(silentSteps(api(["a", "b"]), []).map((s) => s.after)).toEqual([-1, -1]);
  });

  it("matches repeated names in order", () => {
    const log = [{ name: "x" }];
    expect(silentSteps(api(["x", "x"]), log)).toEqual([{ after: 0, name: "x", state: "queued", number: 2 }]);
  });
});

describe("withSilentSteps", () => {
  it("puts each silent step before the next log step's header", () => {
    const a = step(0, "a");
    const c = step(1, "c");
    const rows: ViewRow[] = [
      { kind: "step", step: a },
      { kind: "line", row: { n: 1, text: "hi", time: null, step: 0, parents: [] } },
      { kind: "step", step: c },
    ];
    const out = withSilentSteps(rows, [
      { after: 0, name: "b", state: "skipped", number: 2 },
      { after: 1, name: "d", state: "queued", number: 4 },
    ]);
    expect(out.map((r) => (r.kind === "line" ? r.row.text : r.step.name))).toEqual([
      "a",
      "hi",
      "b",
      "c",
      "d",
    ]);
  });
});
