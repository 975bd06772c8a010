import { describe, expect, it } from "vitest";
import { MemoryConcurrencyGroups } from "./memory-concurrency-groups.js";

const request = (holder: string, group = "g", cancelInProgress = false) => ({
  holder,
  group,
  cancelInProgress,
  queue: "single" as const,
});

describe("MemoryConcurrencyGroups", () => {
  it("tells a holder it was superseded even when it listens only afterwards", async () => {
    const groups = new MemoryConcurrencyGroups();
    const first = await groups.acquire(request("a"));
    void groups.acquire(request("b", "G", true));
    if (!first.granted) throw new Error("a should run");
    const heard: string[] = [];
    first.slot.onSuperseded((m) => heard.push(m));
    first.slot.onSuperseded((m) => heard.push(m));
    expect(heard).toEqual([
      "Canceling since a higher priority waiting request for 'G' exists",
      "Canceling since a higher priority waiting request for 'G' exists",
    ]);
  });

  it("does not queue a request whose signal has already aborted", async () => {
    const groups = new MemoryConcurrencyGroups();
    const abort = new AbortController();
    abort.abort();
    const admission = await groups.acquire(request("a"), abort.signal);
    expect(admission).toEqual({
      granted: false,
      message: "The run was cancelled while waiting for concurrency group 'g'",
    });
    expect(groups.snapshot("g")).toEqual({ running: undefined, pending: [] });
  });

  it("ignores an abort once the request runs, and a release by a holder that no longer runs", async () => {
    const groups = new MemoryConcurrencyGroups();
    const abort = new AbortController();
    const a = await groups.acquire(request("a"), abort.signal);
    abort.abort();
    expect(groups.snapshot("g").running).toBe("a");
    const b = groups.acquire(request("b"));
    if (!a.granted) throw new Error("a should run");
    await a.slot.release();
    const admitted = await b;
    expect(admitted.granted).toBe(true);
    await a.slot.release();
    expect(groups.snapshot("g").running).toBe("b");
  });

  it("keeps groups apart and forgets a group once it is empty", async () => {
    const groups = new MemoryConcurrencyGroups();
    const a = await groups.acquire(request("a", "one"));
    const b = await groups.acquire(request("b", "two"));
    expect(a.granted && b.granted).toBe(true);
    if (a.granted) await a.slot.release();
    expect(groups.snapshot("one")).toEqual({ running: undefined, pending: [] });
    expect(groups.snapshot("two").running).toBe("b");
  });
});
