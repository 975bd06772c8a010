// The gate on a real (in-memory SQLite) store with a clock the test moves: legs of one attempt share
// one gate and one review; a cancelled leg stops waiting while the others wait on; the wait timer
// holds an approved job until the clock passed it; a decided gate answers 422, a stranger 403.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SAMPLE_REPO } from "../../test/store-samples.js";
import { Cancellation } from "../engine/index.js";
import { type Environment, openSqliteStore, type Run, type Store, type User } from "../store/index.js";
import { EnvironmentGate } from "./environment-gate.js";
import type { GateClock } from "./gate-clock.js";
import { HttpError } from "./http-error.js";

let store: Store;
let now: number;
const clock: GateClock = { now: () => now, recheckMs: 10 };
let gate: EnvironmentGate;
let run: Run;
let ravi: User;
let mona: User;

async function environment(rules: Partial<Environment["rules"]>, name = "production"): Promise<Environment> {
  const { environment } = await store.saveEnvironment(
    {
      repoId: run.repoId,
      name,
      rules: {
        waitTimer: 0,
        preventSelfReview: false,
        reviewers: [],
        canAdminsBypass: false,
        branchPolicy: null,
        ...rules,
      },
      ruleIds: {},
    },
    false,
  );
  return environment;
}

function leg() {
  const cancellation = new Cancellation();
  let waited = 0;
  return {
    cancellation,
    request: { cancellation, waiting: () => waited++ },
    waited: () => waited,
  };
}

/** Resolves when `p` has settled, or says it is still pending after the gate had time to look. */
async function settled<T>(p: Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
  const pending = Symbol("pending");
  const raced = await Promise.race([p, new Promise((r) => setTimeout(() => r(pending), 60))]);
  return raced === pending ? { done: false } : { done: true, value: raced as T };
}

/** Resolves once the attempt's gate is in the store (the legs' hold has opened it). */
async function opened(attempt = 1): Promise<void> {
  while ((await store.listGates(run.id, attempt)).length === 0) await new Promise((r) => setTimeout(r, 5));
}

beforeEach(async () => {
  store = await openSqliteStore(":memory:");
  now = Date.parse("2026-12-06T00:00:00Z");
  gate = new EnvironmentGate({ store, clock });
  const repo = await store.addRepo(SAMPLE_REPO);
  run = await store.createRun({
    repoId: repo.id,
    workflowName: "Deploy",
    workflowFile: ".github/workflows/deploy.yml",
    event: "workflow_dispatch",
    ref: "refs/heads/main",
    headBranch: "main",
    headSha: "a".repeat(40),
    status: "in_progress",
    conclusion: null,
    actor: "mona",
    github: {},
    inputs: {},
    problems: [],
  });
  ravi = await store.addUser({ login: "ravi" });
  mona = await store.addUser({ login: "mona" });
});

afterEach(async () => {
  await store.close();
});

describe("EnvironmentGate", () => {
  it("lets a job through at once when the environment has no timer and no reviewers", async () => {
    const env = await environment({});
    const a = leg();
    expect(await gate.hold(run, env, a.request)).toBeUndefined();
    expect(a.waited()).toBe(0);
    expect(await store.listGates(run.id)).toEqual([]);
  });

  it("holds every leg of the attempt on one gate; one approval releases them all; a cancelled leg stops waiting", async () => {
    const env = await environment({ reviewers: [{ type: "User", id: ravi.id }] });
    const legs = [leg(), leg(), leg()];
    const held = legs.map((l) => gate.hold(run, env, l.request));
    await opened();
    expect((await settled(Promise.race(held))).done).toBe(false);
    // Each leg says once that it waits.
    while (!legs.every((l) => l.waited() > 0)) await new Promise((r) => setTimeout(r, 5));
    expect(legs.map((l) => l.waited())).toEqual([1, 1, 1]);
    expect(await store.listGates(run.id)).toHaveLength(1);
    const pending = await gate.pending(run);
    expect(pending.map((p) => p.gate.environment)).toEqual(["production"]);

    legs[2].cancellation.cancel();
    expect((await held[2])?.refused).toMatch(/cancelled/);
    expect((await settled(held[0])).done).toBe(false);

    // Not a reviewer: 403; an unknown environment: 422; nothing decided.
    const body = { environment_ids: [env.id], state: "approved" as const, comment: "go" };
    await expect(gate.review(run, { user: mona, admin: false }, body)).rejects.toMatchObject({ status: 403 });
    await expect(
      gate.review(run, { user: ravi, admin: false }, { ...body, environment_ids: [env.id + 100] }),
    ).rejects.toMatchObject({ status: 422 });
    const done = await gate.review(run, { user: ravi, admin: false }, body);
    expect(done.review).toMatchObject({ state: "approved", userLogin: "ravi", comment: "go", bypass: false });
    expect(await Promise.all(held.slice(0, 2))).toEqual([undefined, undefined]);
    // A later job of the attempt passes on the same approval, without waiting.
    const later = leg();
    expect(await gate.hold(run, env, later.request)).toBeUndefined();
    expect(later.waited()).toBe(0);
    // Decided: approving again is a 422, and the run no longer waits.
    const again = await gate.review(run, { user: ravi, admin: false }, body).catch((e: HttpError) => e);
    expect(again).toBeInstanceOf(HttpError);
    expect((again as HttpError).status).toBe(422);
  });

  it("an approved job waits for the wait timer by the gate's clock; a rejection refuses the others", async () => {
    const env = await environment({ waitTimer: 2, reviewers: [{ type: "User", id: ravi.id }] });
    const a = leg();
    const held = gate.hold(run, env, a.request);
    await opened();
    await gate.review(
      run,
      { user: ravi, admin: false },
      { environment_ids: [env.id], state: "approved", comment: "" },
    );
    expect((await settled(held)).done).toBe(false);
    const [pending] = await gate.pending(run);
    expect(pending).toMatchObject({ reviewed: true, timerEnds: now + 120_000 });
    now += 119_999;
    expect((await settled(held)).done).toBe(false);
    now += 1;
    expect(await held).toBeUndefined();

    const next = { ...run, runAttempt: 2 };
    const b = gate.hold(next, env, leg().request);
    await opened(2);
    expect((await settled(b)).done).toBe(false);
    await gate.review(
      next,
      { user: ravi, admin: false },
      { environment_ids: [env.id], state: "rejected", comment: "no" },
    );
    expect((await b)?.refused).toBe("The deployment was rejected or didn't satisfy other protection rules.");
    expect((await gate.hold(next, env, leg().request))?.refused).toMatch(/rejected/);
  });

  it("one review is a bypass or is not: an admin reviewing one environment and bypassing another is told to review them separately", async () => {
    const prod = await environment({ reviewers: [{ type: "User", id: ravi.id }] });
    const qa = await environment({ reviewers: [{ type: "User", id: mona.id }], canAdminsBypass: true }, "qa");
    const held = [gate.hold(run, prod, leg().request), gate.hold(run, qa, leg().request)];
    while ((await store.listGates(run.id, 1)).length < 2) await new Promise((r) => setTimeout(r, 5));
    const admin = { user: ravi, admin: true };
    const both = { environment_ids: [prod.id, qa.id], state: "approved" as const, comment: "" };
    await expect(gate.review(run, admin, both)).rejects.toMatchObject({ status: 422 });
    expect((await gate.pending(run)).map((p) => p.gate.state)).toEqual(["waiting", "waiting"]);
    expect((await gate.review(run, admin, { ...both, environment_ids: [qa.id] })).review.bypass).toBe(true);
    expect((await gate.review(run, admin, { ...both, environment_ids: [prod.id] })).review.bypass).toBe(
      false,
    );
    expect(await Promise.all(held)).toEqual([undefined, undefined]);
  });
});
