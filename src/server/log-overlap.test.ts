import { describe, expect, it } from "vitest";
import type { LiveEvent } from "./live-hub.js";
import { meetBacklog, overlapOf } from "./log-overlap.js";

describe("overlapOf", () => {
  it("finds what the log read and the lines heard both hold", () => {
    expect(overlapOf(["a", "b", "c"], ["b", "c", "d"])).toBe(2);
    expect(overlapOf(["a", "b", "c"], ["c"])).toBe(1);
    expect(overlapOf(["a", "b", "c"], ["a", "b", "c"])).toBe(3);
  });

  it("is none when the log read ends before the first line heard, or either is empty", () => {
    expect(overlapOf(["a", "b"], ["c", "d"])).toBe(0);
    expect(overlapOf([], ["a"])).toBe(0);
    expect(overlapOf(["a"], [])).toBe(0);
  });

  it("takes the longest run that meets, not a line that merely repeats", () => {
    expect(overlapOf(["x", "y", "x"], ["x", "y", "x", "z"])).toBe(3);
    expect(overlapOf(["x", "y", "x"], ["x", "z"])).toBe(1);
    // The first line heard is older than the log read's start: no run meets at its end.
    expect(overlapOf(["b", "c"], ["a", "b", "c", "d"])).toBe(0);
  });
});

describe("meetBacklog", () => {
  const log = (jobKey: string, line: string): LiveEvent => ({ type: "job:log", runId: 1, jobKey, line });

  it("sends each line of a peer's job once: the log read and the lines heard meet", () => {
    // Heard before the stream subscribed (the peers' recent lines) and after it; the blob store's
    // copy, read meanwhile, has lines up to "3".
    const early = [log("j", "1"), log("j", "2")];
    const queued = [log("j", "3"), { type: "step:completed", runId: 1, jobKey: "j" }, log("j", "4")];
    const sent = meetBacklog(early, queued, new Map([["j", ["0", "1", "2", "3"]]]), new Set());
    expect(sent).toEqual([{ type: "step:completed", runId: 1, jobKey: "j" }, log("j", "4")]);
  });

  it("keeps what the log read does not hold yet: a line heard a moment before it lands in the store", () => {
    const sent = meetBacklog([log("j", "2")], [log("j", "3")], new Map([["j", ["1"]]]), new Set());
    expect(sent.map((e) => e.line)).toEqual(["2", "3"]);
  });

  it("drops the early lines of a job read from this server's disk, keeps those heard since", () => {
    const sent = meetBacklog(
      [log("here", "a"), log("new", "n")],
      [log("here", "b")],
      new Map(),
      new Set(["here"]),
    );
    expect(sent.map((e) => e.line)).toEqual(["n", "b"]);
  });
});
