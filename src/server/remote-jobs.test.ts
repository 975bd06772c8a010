import { describe, expect, it } from "vitest";
import type { Job, RemoteClaim, Runner, Store } from "../store/index.js";
import { serializeDefs } from "../workflow/index.js";
import { RemoteJobs } from "./remote-jobs.js";
import { Serial } from "./serial.js";
import { LocalSignals } from "./signals.js";

/**
 * A store holding offered jobs in memory, as far as claims go: each claim's look asks `accept` of
 * every offered job in order, as the real one does, and is counted.
 */
function offeringStore() {
  const offered: Job[] = [];
  let looks = 0;
  const store = {
    async claimOfferedJob(
      runner: { id: number; name: string },
      accept: (job: Job) => boolean,
      lease: { id: string },
    ): Promise<RemoteClaim | undefined> {
      looks += 1;
      await new Promise((r) => setTimeout(r, 5)); // a round trip
      for (const [i, job] of offered.entries()) {
        if (!accept(job)) continue;
        offered.splice(i, 1);
        const spec = serializeDefs({
          v: 1,
          runId: "1",
          jobKey: job.key,
          job: { id: "j" },
          workflow: { file: ".github/workflows/ci.yml" },
          contexts: { github: {} },
        });
        return {
          job: { ...job, runnerId: runner.id },
          specBox: spec,
          leaseId: lease.id,
          othersOffered: offered.length > 0 || i > 0,
        };
      }
      return undefined;
    },
  } as unknown as Store;
  return {
    store,
    looks: () => looks,
    offer(id: number, labels = ["self-hosted"]) {
      offered.push({ id, key: `ci.yml/j${id}`, labels } as unknown as Job);
    },
  };
}

function remoteJobs(store: Store, signals: LocalSignals): RemoteJobs {
  return new RemoteJobs({
    store,
    serial: new Serial(),
    signals,
    specs: { seal: (s) => s, open: (s) => s },
    labelMap: {},
    leaseSeconds: 30,
    lostRetries: 0,
    log: () => {},
  });
}

const runner = (id: number, repoId: number | null = null) =>
  ({ id, name: `r${id}`, labels: ["self-hosted"], repoId }) as unknown as Runner;

describe("RemoteJobs.claim", () => {
  it("one offer wakes every waiting runner, and the looks stop once one found it the only one offered", async () => {
    const s = offeringStore();
    const signals = new LocalSignals();
    const remote = remoteJobs(s.store, signals);
    const waiting = [1, 2, 3, 4].map((id) => remote.claim(runner(id), 1, 2000, "http://127.0.0.1:1"));
    await new Promise((r) => setTimeout(r, 100));
    // Each claim looks once as it starts.
    expect(s.looks()).toBe(4);
    s.offer(10);
    signals.publish("offers");
    const first = await Promise.race(waiting);
    expect(first.map((c) => c.id)).toEqual([10]);
    await new Promise((r) => setTimeout(r, 100));
    // The one woken look that claimed it saw no other offered: the three others did not look.
    expect(s.looks()).toBe(5);

    // A new offer: they look again (the first of them takes it).
    s.offer(11);
    signals.publish("offers");
    const second = await Promise.race(waiting.slice(1));
    expect(second.map((c) => c.id)).toEqual([11]);
    expect(s.looks()).toBe(6);
  });

  it("a look that saw others offered, or a repository's runner's look, lets the next woken claims look", async () => {
    const s = offeringStore();
    const signals = new LocalSignals();
    const remote = remoteJobs(s.store, signals);
    const scoped = remote.claim(runner(1, 7), 1, 2000, "http://127.0.0.1:1");
    const other = remote.claim(runner(2), 1, 2000, "http://127.0.0.1:1");
    await new Promise((r) => setTimeout(r, 50));
    expect(s.looks()).toBe(2);
    // Two offered at once, one signal: the first woken look takes one and saw the other.
    s.offer(20);
    s.offer(21);
    signals.publish("offers");
    const [a, b] = await Promise.all([scoped, other]);
    expect([...a, ...b].map((c) => c.id).sort()).toEqual([20, 21]);
    expect(s.looks()).toBe(4);
  });
});

describe("RemoteJobs.anyRunner", () => {
  it("jobs asking at once share one look at the runner machines; a failed look is not kept", async () => {
    let looks = 0;
    let fail = true;
    const store = {
      async listRunners() {
        looks += 1;
        await new Promise((r) => setTimeout(r, 5)); // a round trip
        if (fail) throw new Error("the store is away");
        return [runner(1)];
      },
    } as unknown as Store;
    const remote = remoteJobs(store, new LocalSignals());
    await expect(remote.anyRunner()).rejects.toThrow("the store is away");
    fail = false;
    const answers = await Promise.all(Array.from({ length: 50 }, () => remote.anyRunner()));
    expect(answers.every((a) => a)).toBe(true);
    expect(looks).toBe(2);
    expect(await remote.anyFits(["self-hosted"])).toBe(true);
    expect(looks).toBe(2);
    remote.runnersChanged();
    expect(await remote.anyRunner()).toBe(true);
    expect(looks).toBe(3);
  });
});
