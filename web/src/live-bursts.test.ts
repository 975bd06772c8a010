import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bursts } from "./live-bursts.js";

describe("bursts", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("passes every event of a burst, in order, once the burst's time is up", () => {
    const seen: Array<string[] | undefined> = [];
    const b = bursts<string>((events) => seen.push(events), 200);
    b.hear("run:started");
    b.hear("job:started");
    b.hear("step:started");
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(seen).toEqual([["run:started", "job:started", "step:started"]]);
    b.hear("run:completed");
    vi.advanceTimersByTime(200);
    expect(seen).toEqual([["run:started", "job:started", "step:started"], ["run:completed"]]);
  });

  it("passes undefined for a burst the stream reconnected in, whatever else it heard", () => {
    const seen: Array<string[] | undefined> = [];
    const b = bursts<string>((events) => seen.push(events), 100);
    b.hear("job:started");
    b.hear(undefined);
    b.hear("job:completed");
    vi.advanceTimersByTime(100);
    b.hear("run:completed");
    vi.advanceTimersByTime(100);
    expect(seen).toEqual([undefined, ["run:completed"]]);
  });

  it("passes nothing once stopped", () => {
    const seen: Array<string[] | undefined> = [];
    const b = bursts<string>((events) => seen.push(events), 100);
    b.hear("job:started");
    b.stop();
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([]);
  });
});
