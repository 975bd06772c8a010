import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveHub } from "./live-hub.js";
import { LocalSignals } from "./signals.js";

describe("LiveHub's recent lines of its peers", () => {
  afterEach(() => vi.useRealTimers());

  it("keeps the peers' log lines of a run for a few seconds, not its own nor other events", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const signals = new LocalSignals();
    const here = new LiveHub(signals);
    const peer = new LiveHub(signals);
    peer.publish({ type: "job:started", runId: 1, jobKey: "j" });
    peer.publish({ type: "job:log", runId: 1, jobKey: "j", line: "a" });
    peer.publish({ type: "job:log", runId: 2, jobKey: "k", line: "other run" });
    here.publish({ type: "job:log", runId: 1, jobKey: "j", line: "own" });
    expect(here.recentFromPeers(1).map((e) => e.line)).toEqual(["a"]);
    vi.advanceTimersByTime(3_000);
    peer.publish({ type: "job:log", runId: 1, jobKey: "j", line: "b" });
    expect(here.recentFromPeers(1).map((e) => e.line)).toEqual(["a", "b"]);
    vi.advanceTimersByTime(3_000);
    expect(here.recentFromPeers(1).map((e) => e.line)).toEqual(["b"]);
    // The publisher keeps none of its own.
    expect(peer.recentFromPeers(1)).toEqual([]);
  });
});
