import { afterEach, describe, expect, it, vi } from "vitest";
import type { Store } from "../store/index.js";
import { FencedError, fencedStore, WriteFence } from "./write-fence.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("WriteFence", () => {
  it("lets calls through while the last heartbeat is fresh, and asks for one when it is not", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fence = new WriteFence(3500);
    await fence.check(); // not started: a server alone on its database
    let beats = 0;
    fence.start(async () => {
      beats += 1;
      fence.beat(Date.now());
      return true;
    }, Date.now());
    vi.setSystemTime(1_000_000 + 3000);
    await fence.check();
    expect(beats).toBe(0);
    // A pause: the heartbeat is stale, so the call waits for the next one, which lands.
    vi.setSystemTime(1_000_000 + 60_000);
    await fence.check();
    expect(beats).toBe(1);
  });

  it("refuses every call once the server was judged dead, those waiting for the heartbeat too", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fence = new WriteFence(3500);
    // The heartbeat finds the row gone.
    fence.start(async () => {
      fence.close("judged dead");
      return true;
    }, Date.now());
    vi.setSystemTime(1_000_000 + 60_000);
    await expect(fence.check()).rejects.toBeInstanceOf(FencedError);
    vi.setSystemTime(1_000_000 + 60_001);
    await expect(fence.check()).rejects.toThrow(/judged dead/);
  });

  it("refuses a call when the heartbeat fails, and sends another when one lands late", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fence = new WriteFence(3500);
    fence.start(async () => false, Date.now());
    vi.setSystemTime(1_000_000 + 10_000);
    await expect(fence.check()).rejects.toThrow(/heartbeat does not reach the database/);
    // A loaded machine: the first heartbeat lands 5 s after it was sent, the second at once.
    const late = new WriteFence(3500);
    const sent: number[] = [];
    late.start(async () => {
      const at = Date.now();
      sent.push(at);
      if (sent.length === 1) vi.setSystemTime(at + 5000);
      late.beat(at);
      return true;
    }, Date.now());
    vi.setSystemTime(Date.now() + 10_000);
    await late.check();
    expect(sent).toHaveLength(2);
  });
});

describe("fencedStore", () => {
  it("checks the fence before each call, and closes the store whatever the fence says", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fence = new WriteFence(3500);
    const calls: string[] = [];
    const store = {
      getRun: async (id: number) => {
        calls.push(`getRun ${id}`);
        return undefined;
      },
      close: async () => {
        calls.push("close");
      },
    } as unknown as Store;
    const fenced = fencedStore(store, fence);
    fence.start(async () => {
      fence.close("judged dead");
      return true;
    }, Date.now());
    await fenced.getRun(1);
    vi.setSystemTime(1_000_000 + 60_000);
    await expect(fenced.getRun(2)).rejects.toBeInstanceOf(FencedError);
    await fenced.close();
    expect(calls).toEqual(["getRun 1", "close"]);
  });
});
