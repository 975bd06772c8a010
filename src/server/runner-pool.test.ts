import { describe, expect, it } from "vitest";
import { SAMPLE_REPO, sampleRun } from "../../test/store-samples.js";
import { openSqliteStore } from "../store/index.js";
import { RunnerPool } from "./runner-pool.js";
import { Serial } from "./serial.js";

async function pool() {
  const store = await openSqliteStore(":memory:");
  return new RunnerPool(store, new Serial(), { slots: 2, labels: ["self-hosted"], labelMap: {}, name: "t" });
}

describe("RunnerPool.drain", () => {
  it("waits for what a finished job still records (settle), also what settles meanwhile", async () => {
    const p = await pool();
    let recorded = false;
    let release = () => {};
    p.settle(
      new Promise<void>((resolve) => {
        release = () => {
          // A second job's completion arrives while the first lands.
          p.settle(
            Promise.resolve().then(() => {
              recorded = true;
            }),
          );
          resolve();
        };
      }),
    );
    let drained: boolean | undefined;
    const draining = p.drain(10_000).then((d) => {
      drained = d;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBeUndefined();
    release();
    await draining;
    expect(drained).toBe(true);
    expect(recorded).toBe(true);
  });

  it("says false when what it waits for outlasts the timeout", async () => {
    const p = await pool();
    p.settle(new Promise(() => {}));
    expect(await p.drain(30)).toBe(false);
  });

  it("is done at once with nothing running or settling", async () => {
    expect(await (await pool()).drain(10_000)).toBe(true);
  });
});

describe("RunnerPool.jobIds", () => {
  it("names the jobs its slots run now, and forgets each when it ends", async () => {
    const store = await openSqliteStore(":memory:");
    const p = new RunnerPool(store, new Serial(), {
      slots: 2,
      labels: ["self-hosted"],
      labelMap: {},
      name: "t",
    });
    const repo = await store.addRepo(SAMPLE_REPO);
    const run = await store.createRun(sampleRun(repo.id));
    const job = await store.putJob({ runId: run.id, runAttempt: 1, key: "b", name: "b", status: "queued" });
    let finish = () => {};
    const started = new Promise<void>((ready) => {
      p.offer(job.id, () => {
        ready();
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      });
    });
    await started;
    expect(p.jobIds).toEqual([job.id]);
    finish();
    await expect.poll(() => p.jobIds).toEqual([]);
  });
});
