import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StartGate } from "./start-gate.js";

describe("StartGate", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const opened = (gate: StartGate) => gate.isOpened;

  it("stays shut through the lines before the first process, and opens at its first sign of life", () => {
    const gate = new StartGate({ maxWaitMs: 250, afterStartMs: 100 });
    gate.progressed(); // the step's header, written before its process starts
    vi.advanceTimersByTime(50);
    expect(opened(gate)).toBe(false);
    gate.processStarted();
    vi.advanceTimersByTime(10);
    expect(opened(gate)).toBe(false);
    gate.progressed();
    expect(opened(gate)).toBe(true);
  });

  it("opens afterStartMs after the first process started when it says nothing", () => {
    const gate = new StartGate({ maxWaitMs: 10_000, afterStartMs: 100 });
    gate.processStarted();
    vi.advanceTimersByTime(99);
    expect(opened(gate)).toBe(false);
    gate.processStarted(); // a later process is no news
    vi.advanceTimersByTime(1);
    expect(opened(gate)).toBe(true);
  });

  it("opens maxWaitMs after the claim when no process starts, and at once when told", async () => {
    const late = new StartGate({ maxWaitMs: 250, afterStartMs: 100 });
    vi.advanceTimersByTime(249);
    expect(opened(late)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(opened(late)).toBe(true);
    await late.opened;

    const told = new StartGate({ maxWaitMs: 250, afterStartMs: 100 });
    told.open();
    expect(opened(told)).toBe(true);
    await told.opened;
    expect(vi.getTimerCount()).toBe(0);
  });
});
