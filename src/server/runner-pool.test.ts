import { describe, expect, it } from "vitest";
import { SAMPLE_REPO, sampleRun } from "../../test/store-samples.js";
import { type Job, openSqliteStore } from "../store/index.js";
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

describe("RunnerPool.offer with the job's queued fields", () => {
  async function setup(slots: number) {
    const store = await openSqliteStore(":memory:");
    const claims: string[] = [];
    const claimJob = store.claimJob.bind(store);
    store.claimJob = (runnerName, accept) => {
      claims.push(runnerName);
      return claimJob(runnerName, accept);
    };
    const p = new RunnerPool(store, new Serial(), {
      slots,
      labels: ["self-hosted"],
      labelMap: {},
      name: "t",
    });
    const repo = await store.addRepo(SAMPLE_REPO);
    const run = await store.createRun(sampleRun(repo.id));
    const job = (key: string) => store.putJob({ runId: run.id, runAttempt: 1, key, name: key }, null);
    return { store, p, claims, job };
  }
  const queued = (name: string) => ({ labels: ["self-hosted"], matrix: { n: name }, name: `leg ${name}` });

  it("starts a job at once on a free slot, queued and claimed in one statement, as a claim leaves it", async () => {
    const { store, p, claims, job } = await setup(1);
    const a = await job("a");
    let finish = () => {};
    const got = await new Promise<{ claimed: Job; runner: string }>((resolve) => {
      p.offer(
        a.id,
        (claimed, runner) => {
          resolve({ claimed, runner });
          return new Promise<void>((done) => {
            finish = done;
          });
        },
        queued("1"),
      );
    });
    expect(claims).toEqual([]);
    expect(got.runner).toBe("t-1");
    expect(got.claimed).toEqual(await store.getJob(a.id));
    expect(got.claimed).toMatchObject({
      status: "in_progress",
      runnerName: "t-1",
      labels: ["self-hosted"],
      matrix: { n: "1" },
      name: "leg 1",
    });
    expect(p.jobIds).toEqual([a.id]);
    finish();
    await expect.poll(() => p.jobIds).toEqual([]);
  });

  it("queues a job that finds no free slot, with its fields, and claims it in turn", async () => {
    const { store, p, claims, job } = await setup(1);
    const [a, b, c] = [await job("a"), await job("b"), await job("c")];
    const started: number[] = [];
    const finishes = new Map<number, () => void>();
    const start = (claimed: Job) => {
      started.push(claimed.id);
      return new Promise<void>((done) => finishes.set(claimed.id, done));
    };
    p.offer(a.id, start, queued("a"));
    p.offer(b.id, start, queued("b"));
    p.offer(c.id, start, queued("c"));
    await expect.poll(() => started).toEqual([a.id]);
    // Waiting for the slot: queued in the store with what it asks for.
    await expect.poll(async () => (await store.getJob(b.id))?.labels).toEqual(["self-hosted"]);
    expect(await store.getJob(b.id)).toMatchObject({ status: "queued", name: "leg b", matrix: { n: "b" } });
    expect(await store.getJob(c.id)).toMatchObject({ status: "queued", name: "leg c" });
    finishes.get(a.id)?.();
    await expect.poll(() => started).toEqual([a.id, b.id]);
    expect(await store.getJob(b.id)).toMatchObject({ status: "in_progress", runnerName: "t-1" });
    // Every job waiting is the pool's own: each is claimed by its id, the queue never read.
    expect(claims).toEqual([]);
    // One that was withdrawn while it waited is never started.
    expect(p.withdraw(c.id)).toBe(true);
    finishes.get(b.id)?.();
    await expect.poll(() => p.jobIds).toEqual([]);
    expect(started).toEqual([a.id, b.id]);
  });
  it("claims the oldest of its own jobs first, and leaves one found no longer queued for its withdraw", async () => {
    const { store, p, claims, job } = await setup(1);
    const [a, b, c] = [await job("a"), await job("b"), await job("c")];
    const started: number[] = [];
    const finishes = new Map<number, () => void>();
    const start = (claimed: Job) => {
      started.push(claimed.id);
      return new Promise<void>((done) => finishes.set(claimed.id, done));
    };
    p.offer(a.id, start, queued("a"));
    // Offered out of the queue's order: c before b.
    p.offer(c.id, start, queued("c"));
    p.offer(b.id, start, queued("b"));
    await expect.poll(() => started).toEqual([a.id]);
    await expect.poll(async () => (await store.getJob(c.id))?.status).toBe("queued");
    await expect.poll(async () => (await store.getJob(b.id))?.status).toBe("queued");
    // b is cancelled in the store meanwhile (the run's end): its claim finds it gone, c is next.
    await store.updateJob(b.id, { status: "completed", conclusion: "cancelled" });
    finishes.get(a.id)?.();
    await expect.poll(() => started).toEqual([a.id, c.id]);
    expect(await store.getJob(b.id)).toMatchObject({ status: "completed", runnerName: null });
    expect(claims).toEqual([]);
    expect(p.withdraw(b.id)).toBe(true);
    finishes.get(c.id)?.();
    await expect.poll(() => p.jobIds).toEqual([]);
  });

  it("claims through the queue, in its order, while a job it did not queue waits", async () => {
    const { store, p, claims, job } = await setup(1);
    const [a, b, c] = [await job("a"), await job("b"), await job("c")];
    await store.updateJob(b.id, { status: "queued", labels: ["self-hosted"] });
    const started: number[] = [];
    const finishes = new Map<number, () => void>();
    const start = (claimed: Job) => {
      started.push(claimed.id);
      return new Promise<void>((done) => finishes.set(claimed.id, done));
    };
    p.offer(a.id, start, queued("a"));
    p.offer(c.id, start, queued("c"));
    // Queued in the store already (offered to runner machines too): offered alone.
    p.offer(b.id, start);
    await expect.poll(() => started).toEqual([a.id]);
    await expect.poll(async () => (await store.getJob(c.id))?.status).toBe("queued");
    finishes.get(a.id)?.();
    await expect.poll(() => started).toEqual([a.id, b.id]);
    expect(claims.length).toBeGreaterThan(0);
    finishes.get(b.id)?.();
    await expect.poll(() => started).toEqual([a.id, b.id, c.id]);
    finishes.get(c.id)?.();
    await expect.poll(() => p.jobIds).toEqual([]);
  });
});
