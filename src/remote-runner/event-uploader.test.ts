import { describe, expect, it } from "vitest";
import type { RunnerClient } from "./client.js";
import { EventUploader } from "./event-uploader.js";

/** A client that records the events each POST carries and answers the next seq expected. */
function recordingClient() {
  const batches: number[][] = [];
  const client = {
    async post<T>(_path: string, body: unknown) {
      const { events } = body as { events: { seq: number }[] };
      batches.push(events.map((e) => e.seq));
      return { status: 200, body: { next: events[events.length - 1].seq + 1 } as T };
    },
  } as unknown as RunnerClient;
  return { client, batches };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("EventUploader", () => {
  it("sends at once when not held", async () => {
    const { client, batches } = recordingClient();
    const up = new EventUploader(client, 1, "lease", () => {});
    up.push({ n: 0 });
    await settle();
    expect(batches).toEqual([[0]]);
  });

  it("held, sends nothing until released, then what waited in order in one batch", async () => {
    const { client, batches } = recordingClient();
    const up = new EventUploader(client, 1, "lease", () => {}, 100, { held: true });
    up.push({ n: 0 });
    up.push({ n: 1 });
    await settle();
    expect(batches).toEqual([]);
    up.release();
    await settle();
    expect(batches).toEqual([[0, 1]]);
    up.push({ n: 2 });
    await settle();
    expect(batches).toEqual([[0, 1], [2]]);
  });

  it("held, still sends everything on close (a job that ended before the gate opened)", async () => {
    const { client, batches } = recordingClient();
    const up = new EventUploader(client, 1, "lease", () => {}, 100, { held: true });
    up.push({ n: 0 });
    up.push({ type: "outcome" });
    await up.close(5000);
    expect(batches).toEqual([[0, 1]]);
  });
});
