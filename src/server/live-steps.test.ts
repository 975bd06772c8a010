import { describe, expect, it } from "vitest";
import { LiveSteps } from "./live-steps.js";

const states = (l: LiveSteps) => l.rows(1).map((r) => [r.name, r.status, r.conclusion]);

describe("LiveSteps", () => {
  it("lists the planned steps queued, then as they run; one that never started is skipped", () => {
    const l = new LiveSteps();
    l.plan(["a", "b", "c"]);
    expect(states(l)).toEqual([
      ["a", "queued", null],
      ["b", "queued", null],
      ["c", "queued", null],
    ]);
    l.started("a", 0, "t1");
    l.completed("a", "success", "t2");
    l.started("c", 2, "t3");
    expect(states(l)).toEqual([
      ["a", "completed", "success"],
      ["b", "completed", "skipped"],
      ["c", "in_progress", null],
    ]);
  });

  it("puts pre parts before the job's steps and post parts after them, with the name a step ran under", () => {
    const l = new LiveSteps();
    l.plan(["Run x", "later"]);
    l.started("Pre Run x", undefined, "t0");
    l.completed("Pre Run x", "success", "t0");
    l.started("Run x (renamed)", 0, "t1");
    l.completed("Run x (renamed)", "failure", "t2");
    l.started("Post Run x", undefined, "t3");
    expect(l.rows(7).map((r) => [r.number, r.name, r.status, r.conclusion])).toEqual([
      [1, "Pre Run x", "completed", "success"],
      [2, "Run x (renamed)", "completed", "failure"],
      [3, "later", "completed", "skipped"],
      [4, "Post Run x", "in_progress", null],
    ]);
  });
});
