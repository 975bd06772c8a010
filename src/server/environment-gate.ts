// The protection rules a job waits on at its environment once its branch policy let it in: the
// wait timer and one required reviewer's approval, kept per run attempt and environment (one
// approval covers every job of the attempt that deploys there), and the reviews that decide them.
import { type GateVerdict, gateVerdict, type ReviewStanding, reviewStanding } from "../delivery/index.js";
import type { Cancellation } from "../engine/index.js";
import type { DeploymentGate, DeploymentReview, Environment, Run, Store, User } from "../store/index.js";
import type { GateClock } from "./gate-clock.js";
import { HttpError } from "./http-error.js";

function verdictOf(gate: DeploymentGate, now: number): GateVerdict {
  return gateVerdict({ ...gate, startedAt: Date.parse(gate.startedAt) }, now);
}

/** A gate still holding its jobs: waiting for a review or for the wait timer. */
export interface PendingGate {
  gate: DeploymentGate;
  environment: Environment | undefined;
  /** The wait timer's end (ms), and whether the review rule has passed. */
  timerEnds: number;
  reviewed: boolean;
}

/** Who asks to review: a person, and whether they administer the repository. */
export interface ReviewCaller {
  user: User;
  admin: boolean;
}

/** A review as the gate made it: the kept review, and each environment's standing. */
export interface ReviewDone {
  review: DeploymentReview;
  gates: DeploymentGate[];
}

export class EnvironmentGate {
  /** Who waits on each gate (by id): woken by a review made here. */
  private readonly sleepers = new Map<number, Set<() => void>>();

  constructor(private readonly deps: { store: Store; clock: GateClock }) {}

  get clock(): GateClock {
    return this.deps.clock;
  }

  /**
   * A job of `run` enters `environment` (its branch policy passed): with a wait timer or required
   * reviewers it waits (`waiting()` said once) until the timer ran out and a reviewer approved, or
   * a refusal (rejected, 30 days without a decision). Undefined when it may go on. A cancel of the
   * job ends the wait (the engine then cancels the job).
   */
  async hold(
    run: Pick<Run, "id" | "runAttempt" | "repoId">,
    environment: Environment,
    request: { cancellation: Cancellation; waiting(): void },
  ): Promise<{ refused: string } | undefined> {
    const { waitTimer, reviewers } = environment.rules;
    if (waitTimer === 0 && reviewers.length === 0) return undefined;
    const { store, clock } = this.deps;
    let gate: DeploymentGate | undefined = await store.openGate({
      repoId: run.repoId,
      runId: run.id,
      runAttempt: run.runAttempt,
      environmentId: environment.id,
      environment: environment.name,
      waitTimer,
      needsReview: reviewers.length > 0,
      startedAt: new Date(clock.now()).toISOString(),
    });
    let cancelled = false;
    let wakeOnCancel = () => {};
    request.cancellation.onCancel(() => {
      cancelled = true;
      wakeOnCancel();
    });
    let told = false;
    while (gate) {
      if (cancelled) return { refused: "the job was cancelled while it waited for its environment" };
      const now = clock.now();
      const verdict = verdictOf(gate, now);
      if (verdict.kind === "pass") return undefined;
      if (verdict.kind === "refused") return { refused: verdict.message };
      if (verdict.kind === "expire") {
        if (await store.expireGate(gate.id, new Date(now).toISOString())) this.wake(gate.id);
      } else {
        if (!told) {
          told = true;
          request.waiting();
        }
        await this.sleep(gate.id, Math.min(verdict.until - now, clock.recheckMs), (wake) => {
          wakeOnCancel = wake;
        });
      }
      gate = await store.getGate(gate.id);
    }
    return { refused: `the environment ${environment.name}'s deployment gate is gone` };
  }

  private sleep(id: number, ms: number, onWake: (wake: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const set = this.sleepers.get(id) ?? new Set<() => void>();
      this.sleepers.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.sleepers.get(id) === set) this.sleepers.delete(id);
        onWake(() => {});
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      set.add(done);
      onWake(done);
    });
  }

  private wake(id: number): void {
    for (const fn of [...(this.sleepers.get(id) ?? [])]) fn();
  }

  /**
   * The run's gates still holding its current attempt (none once the run completed), each with its
   * environment as it stands now.
   */
  async pending(run: Run): Promise<PendingGate[]> {
    if (run.status === "completed") return [];
    const { store, clock } = this.deps;
    const now = clock.now();
    const out: PendingGate[] = [];
    for (const gate of await store.listGates(run.id, run.runAttempt)) {
      const verdict = verdictOf(gate, now);
      if (verdict.kind !== "wait") continue;
      const environment = await this.environmentOf(gate);
      out.push({ gate, environment, timerEnds: verdict.timerEnds, reviewed: verdict.reviewed });
    }
    return out;
  }

  private async environmentOf(gate: DeploymentGate): Promise<Environment | undefined> {
    const env = await this.deps.store.getEnvironment(gate.repoId, gate.environment);
    return env?.id === gate.environmentId ? env : undefined;
  }

  /** Whether `caller` may approve (or reject) the pending gate now. */
  standing(
    pending: PendingGate,
    caller: ReviewCaller,
    runActor: string,
    state: "approved" | "rejected",
  ): ReviewStanding {
    const name = pending.gate.environment;
    if (!pending.environment)
      return {
        may: false,
        message: `The environment ${name} no longer exists: its deployment cannot be reviewed.`,
      };
    if (pending.reviewed && state === "approved" && pending.gate.state === "approved")
      return {
        may: false,
        message: `The deployment to ${name} was approved already; it waits for its wait timer.`,
      };
    const who = { id: caller.user.id, login: caller.user.login, admin: caller.admin };
    return reviewStanding(name, pending.environment.rules, who, runActor, state);
  }

  /**
   * Approves or rejects the run's pending deployments to these environments (ids): 422 when the run
   * is not waiting, an id is not one it waits on or was decided already; 403 (GitHub's answer) when
   * the caller may not review one of them. Every gate is decided at once, or none.
   */
  async review(
    run: Run,
    caller: ReviewCaller,
    body: { environment_ids: number[]; state: "approved" | "rejected"; comment: string },
  ): Promise<ReviewDone> {
    const pending = await this.pending(run);
    if (pending.length === 0)
      throw new HttpError(422, "Validation Failed", [
        `workflow run ${run.id} is not waiting for a deployment review`,
      ]);
    const chosen: PendingGate[] = [];
    const problems: string[] = [];
    const all = await this.deps.store.listGates(run.id, run.runAttempt);
    for (const id of new Set(body.environment_ids)) {
      const found = pending.find((p) => p.gate.environmentId === id);
      if (found?.gate.state === "approved") {
        problems.push(
          `environment_ids: the deployment to ${found.gate.environment} (${id}) was approved already; it waits for its wait timer`,
        );
        continue;
      }
      if (found) {
        chosen.push(found);
        continue;
      }
      const decided = all.find((g) => g.environmentId === id);
      problems.push(
        decided
          ? `environment_ids: the deployment to ${decided.environment} (${id}) was ${decided.state === "waiting" ? "let through" : decided.state} already`
          : `environment_ids: ${id} is not an environment this run waits on (it waits on ${pending.map((p) => `${p.gate.environment} (${p.gate.environmentId})`).join(", ")})`,
      );
    }
    if (problems.length > 0) throw new HttpError(422, "Validation Failed", problems);
    const bypass: boolean[] = [];
    for (const p of chosen) {
      const standing = this.standing(p, caller, run.actor, body.state);
      if (!standing.may) throw new HttpError(403, standing.message);
      bypass.push(standing.bypass);
    }
    // A bypass skips the wait timer: it is kept per review, so one review is a bypass or is not.
    if (bypass.some(Boolean) && !bypass.every(Boolean))
      throw new HttpError(422, "Validation Failed", [
        `environment_ids: you would bypass the rules of ${chosen
          .filter((_, i) => bypass[i])
          .map((p) => p.gate.environment)
          .join(", ")} as an admin but review the others as a required reviewer: review them separately`,
      ]);
    const review = await this.deps.store.decideGates({
      repoId: run.repoId,
      runId: run.id,
      runAttempt: run.runAttempt,
      state: body.state,
      userId: caller.user.id,
      userLogin: caller.user.login,
      comment: body.comment,
      bypass: bypass.some(Boolean),
      environments: chosen.map((p) => ({ id: p.gate.environmentId, name: p.gate.environment })),
      createdAt: new Date().toISOString(),
    });
    if (!review)
      throw new HttpError(422, "Validation Failed", [
        "environment_ids: another review decided these deployments meanwhile",
      ]);
    for (const p of chosen) this.wake(p.gate.id);
    const gates = await this.deps.store.listGates(run.id, run.runAttempt);
    return { review, gates: gates.filter((g) => chosen.some((p) => p.gate.id === g.id)) };
  }
}
