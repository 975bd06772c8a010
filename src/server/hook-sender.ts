// Outgoing repository webhooks: GitHub's workflow_run and workflow_job events (action completed)
// and the ping a new hook gets, each kept as a delivery in the store first, then sent, signed with
// X-Hub-Signature-256, and retried with back-off until a 2xx answer or the last attempt. A pending
// delivery outlives a restart: the next start sends it when it is due.
import { createHmac, randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { HookDelivery, RepoHook, Run, Store } from "../store/index.js";
import { jobJson, runJson } from "./github-shapes.js";
import type { HookSecrets } from "./hook-secret.js";
import { guardedLookup, type HookUrlPolicy, hookUrlProblem } from "./hook-url.js";
import type { LiveEvent, LiveHub } from "./live-hub.js";

/** Attempts before a delivery is given up, and the wait after the first failure (×5 each time). */
export const HOOK_MAX_ATTEMPTS = 6;
const FIRST_RETRY_MS = 2000;
/** GitHub's own timeout for a delivery. */
const TIMEOUT_MS = 10_000;
/** How long a claimed delivery is held by the server sending it. */
const CLAIM_MS = 60_000;
/** How many runs' repositories are kept (see HookSender.runRepos); past that they are read again. */
const RUN_REPOS_KEPT = 1000;

export interface HookSenderDeps {
  store: Store;
  hub: LiveHub;
  secrets: HookSecrets;
  policy: HookUrlPolicy;
  baseUrl: () => string;
  log: (message: string) => void;
}

/** The events a hook may subscribe to (`*`: all of them). */
export const HOOK_EVENTS = ["workflow_run", "workflow_job"] as const;

export class HookSender {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  /**
   * The repository of each run seen lately (a run never moves): a job's completion in a repository
   * without hooks, most of them, then reads only its hooks, not the run first.
   */
  private readonly runRepos = new Map<number, number>();

  constructor(private readonly deps: HookSenderDeps) {}

  /** Where hooks may be sent (the config's outgoing_webhooks). */
  get policy(): HookUrlPolicy {
    return this.deps.policy;
  }

  /** Seals hooks' secrets. */
  get secrets(): HookSecrets {
    return this.deps.secrets;
  }

  /** Listens for completed runs and jobs and sends what is due, now and every second. */
  start(): void {
    // Its own runs only: a peer sends the hooks of the runs it drives.
    // Only the completions are tracked: a promise per log line and step event was kept for nothing.
    this.unsubscribe = this.deps.hub.subscribe(
      (e) => {
        if (e.type === "run:completed" || e.type === "job:completed") this.track(this.onEvent(e));
      },
      { ownOnly: true },
    );
    this.timer = setInterval(() => this.kick(), 1000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.pending, this.busy]);
  }

  private track(p: Promise<unknown>): void {
    const done = p.catch((err: Error) => this.deps.log(`repository hooks: ${err.message}`));
    this.pending.add(done);
    done.finally(() => this.pending.delete(done));
  }

  /** Sends the due deliveries (one pass at a time). */
  kick(): void {
    if (this.busy || !this.timer) return;
    this.busy = this.sendDue().finally(() => {
      this.busy = undefined;
    });
    this.track(this.busy);
  }

  /** GitHub's ping, which a hook gets when it is made. */
  async ping(repoId: number, hook: RepoHook, hookJson: unknown): Promise<void> {
    const repo = await this.deps.store.getRepoById(repoId);
    if (!repo) return;
    await this.enqueue(hook, "ping", null, {
      zen: "Keep it logically awesome.",
      hook_id: hook.id,
      hook: hookJson,
      repository: {
        id: repo.id,
        name: repo.name,
        full_name: `${repo.owner}/${repo.name}`,
        owner: { login: repo.owner },
      },
      sender: { login: "gantry" },
    });
  }

  private async onEvent(e: LiveEvent): Promise<void> {
    const { store } = this.deps;
    let run: Run | undefined;
    let repoId = this.runRepos.get(e.runId);
    if (repoId === undefined) {
      run = await store.getRun(e.runId);
      if (!run) return;
      repoId = run.repoId;
      if (this.runRepos.size >= RUN_REPOS_KEPT) this.runRepos.clear();
      this.runRepos.set(e.runId, repoId);
    }
    // The hooks first: most repositories have none, and then nothing more is read for the event.
    const hooks = (await store.listHooks(repoId)).filter((h) => h.active);
    if (hooks.length === 0) return;
    // The run as it stands now, for the payload.
    run = await store.getRun(e.runId);
    if (!run) return;
    const repo = await store.getRepoById(run.repoId);
    if (!repo) return;
    const base = this.deps.baseUrl();
    const shape = runJson(run, repo, base);
    const sender = { login: run.actor };
    let event: (typeof HOOK_EVENTS)[number];
    let payload: Record<string, unknown>;
    if (e.type === "run:completed") {
      event = "workflow_run";
      const name = run.workflowFile.split("/").pop() ?? run.workflowFile;
      payload = {
        action: "completed",
        workflow_run: shape,
        workflow: { id: name, name: run.workflowName, path: run.workflowFile, state: "active" },
        repository: shape.repository,
        sender,
      };
    } else {
      const job = typeof e.jobId === "number" ? await store.getJob(e.jobId) : undefined;
      if (!job) return;
      event = "workflow_job";
      payload = {
        action: "completed",
        workflow_job: jobJson(job, await store.listSteps(job.id), run, repo, base),
        repository: shape.repository,
        sender,
      };
    }
    for (const hook of hooks) {
      if (hook.events.includes(event) || hook.events.includes("*"))
        await this.enqueue(hook, event, "completed", payload);
    }
  }

  private async enqueue(
    hook: RepoHook,
    event: string,
    action: string | null,
    payload: unknown,
  ): Promise<void> {
    await this.deps.store.addHookDelivery({
      hookId: hook.id,
      guid: randomUUID(),
      event,
      action,
      payload: JSON.stringify(payload),
      nextAttemptAt: new Date().toISOString(),
    });
    this.kick();
  }

  private async sendDue(): Promise<void> {
    const { store } = this.deps;
    for (;;) {
      const now = new Date();
      const due = await store.dueHookDeliveries(now.toISOString(), 20);
      if (due.length === 0) return;
      for (const d of due) {
        const until = new Date(now.getTime() + CLAIM_MS).toISOString();
        if (!d.nextAttemptAt || !(await store.claimHookDelivery(d.id, d.nextAttemptAt, until))) continue;
        await this.attempt(d);
      }
    }
  }

  /** One attempt of a claimed delivery, and what it comes to. */
  private async attempt(d: HookDelivery): Promise<void> {
    const { store } = this.deps;
    const hook = await store.getHook(d.hookId);
    const attempts = d.attempts + 1;
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (!hook) error = "the hook was removed";
    else {
      try {
        statusCode = await this.send(hook, d);
        if (statusCode < 200 || statusCode > 299) error = `the receiver answered ${statusCode}`;
      } catch (err) {
        error = (err as Error).message;
      }
    }
    const durationMs = Date.now() - started;
    if (error === null) {
      await store.updateHookDelivery(d.id, {
        status: "delivered",
        attempts,
        statusCode,
        error: null,
        durationMs,
        nextAttemptAt: null,
        deliveredAt: new Date().toISOString(),
      });
      return;
    }
    const giveUp = !hook || attempts >= HOOK_MAX_ATTEMPTS;
    const wait = FIRST_RETRY_MS * 5 ** (attempts - 1);
    await store.updateHookDelivery(d.id, {
      status: giveUp ? "failed" : "pending",
      attempts,
      statusCode,
      error,
      durationMs,
      nextAttemptAt: giveUp ? null : new Date(Date.now() + wait).toISOString(),
    });
    // The URL is not logged: chat services put their credentials in it.
    this.deps.log(
      `repository hook ${d.hookId}: delivery ${d.guid} (${d.event}) attempt ${attempts} failed: ${error}${
        giveUp ? "; given up" : `; next in ${Math.round(wait / 1000)} s`
      }`,
    );
  }

  /** POSTs the delivery to the hook's URL; resolves with the answer's status (redirects are not followed). */
  private send(hook: RepoHook, d: HookDelivery): Promise<number> {
    const problem = hookUrlProblem(hook.url, this.deps.policy);
    if (problem) return Promise.reject(new Error(problem));
    const body = Buffer.from(
      hook.contentType === "form" ? `payload=${encodeURIComponent(d.payload)}` : d.payload,
      "utf8",
    );
    const headers: Record<string, string> = {
      "content-type": hook.contentType === "form" ? "application/x-www-form-urlencoded" : "application/json",
      "content-length": String(body.length),
      "user-agent": "GitHub-Hookshot/gantry",
      "x-github-event": d.event,
      "x-github-delivery": d.guid,
      "x-github-hook-id": String(hook.id),
      "x-github-hook-installation-target-type": "repository",
    };
    if (hook.secretSealed) {
      const secret = this.deps.secrets.open(hook.secretSealed);
      headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    }
    const url = new URL(hook.url);
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: "POST", headers, lookup: guardedLookup(this.deps.policy), timeout: TIMEOUT_MS },
        (res: IncomingMessage) => {
          // The answer's body is not kept (nor shown): read and dropped.
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
      req.on("error", reject);
      req.end(body);
    });
  }
}
