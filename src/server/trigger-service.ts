// The server's side of src/triggers: polls each repository at its interval, takes post-receive
// notifications and forge webhooks, and fires `on: schedule` ticks, turning each into events for
// handleEvent. Work on one repository runs one piece at a time (a poll, a hook and a webhook never
// interleave); what was seen (refs, last ticks) is kept per repository in the Store so a
// restart neither misses the pushes made while it was down nor runs a tick twice. A failure is
// logged and the next poll or tick tries again: the server never dies of it.

import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { Repo, Run, Store, TriggerMemory } from "../store/index.js";
import {
  applyUpdates,
  dueSchedules,
  EventSkipped,
  type ForgeEvent,
  type HookNotification,
  hookEvents,
  peelCommit,
  pollRepository,
  prepareForgeEvent,
  type RepoEvent,
  type RepoIdentity,
  type ScheduleEntry,
  scheduleEntries,
  scheduleEvent,
  scheduleKey,
  startsWorkflows,
  ZERO_SHA,
} from "../triggers/index.js";
import { peekPushedWorkflow } from "./pushed-workflows.js";
import type { RepoClones } from "./repo-clones.js";
import { Serial } from "./serial.js";

export interface TriggerServiceDeps {
  store: Store;
  clones: RepoClones;
  /** Starts the runs of the event; with `files`, of those workflow files alone. */
  handleEvent(repo: Repo, event: RepoEvent, files?: string[]): Promise<Run[]>;
  log(message: string): void;
  /**
   * Whether this server polls and ticks now (several servers on one database: the leader alone,
   * leadership.ts); always when not given.
   */
  leads?: () => boolean;
  /**
   * Several servers share the store: what the triggers remember is read from it at each look (a
   * peer's hook or the leader before this one may have moved it), never kept here.
   */
  shared?: boolean;
  /** The schedules' clock (the test clock in end-to-end tests); the system's when not given. */
  now?: () => number;
  /**
   * Runs a repository's trigger work holding a lock its peers respect (several servers: a hook
   * here and the leader's poll there never both start one push; leadership.ts PgLocks).
   */
  exclusive?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

/** How often the service looks at its repositories' poll intervals and schedules. */
const TICK_MS = 1000;

export class TriggerService {
  private readonly queues = new Map<number, Serial>();
  private readonly states = new Map<number, TriggerMemory>();
  private readonly lastPoll = new Map<number, number>();
  private readonly schedules = new Map<number, { sha: string; entries: ScheduleEntry[] }>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly deps: TriggerServiceDeps) {}

  /** Starts polling and the scheduler. */
  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  /** Stops the loops and waits for the work under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  /** Resolves once every repository's queued work is done. */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.idle()));
  }

  private queue(repo: Repo): Serial {
    let q = this.queues.get(repo.id);
    if (!q) this.queues.set(repo.id, (q = new Serial()));
    return q;
  }

  /** The repository's trigger work, one piece at a time here and across the servers. */
  private one<T>(repo: Repo, fn: () => Promise<T>): Promise<T> {
    const exclusive = this.deps.exclusive;
    return this.queue(repo).run(() => (exclusive ? exclusive(`triggers:${repo.id}`, fn) : fn()));
  }

  /**
   * Forgets what it read of the store (a server that takes the lead over: the previous leader has
   * moved the memory), and polls every repository at its next tick.
   */
  forget(): void {
    this.states.clear();
    this.lastPoll.clear();
    this.schedules.clear();
  }

  /** What the triggers remember of the repository, read from the Store once and kept (shared: each time). */
  private async state(repo: Repo): Promise<TriggerMemory> {
    if (this.deps.shared) return this.deps.store.getTriggerMemory(repo.id);
    let state = this.states.get(repo.id);
    if (!state) {
      state = await this.deps.store.getTriggerMemory(repo.id);
      this.states.set(repo.id, state);
    }
    return state;
  }

  private async save(repo: Repo, state: TriggerMemory): Promise<void> {
    this.states.set(repo.id, state);
    await this.deps.store.putTriggerMemory(repo.id, state);
  }

  private identity(repo: Repo): RepoIdentity {
    return { owner: repo.owner, name: repo.name, defaultBranch: repo.defaultBranch, cloneUrl: repo.url };
  }

  /** Hands the events to handleEvent, one at a time; logs what fails. */
  private async fire(repo: Repo, events: RepoEvent[], source: string): Promise<Run[]> {
    const runs: Run[] = [];
    for (const event of events) {
      if (!startsWorkflows(event)) continue;
      try {
        runs.push(...(await this.deps.handleEvent(repo, event)));
      } catch (err) {
        this.deps.log(
          `${repo.owner}/${repo.name}: ${source} ${event.name} ${event.ref}: ${(err as Error).message}`,
        );
      }
    }
    this.schedules.delete(repo.id); // the default branch may have moved: read its schedules again
    return runs;
  }

  /** Fetches the repository and starts what changed since the last look. */
  poll(repo: Repo): Promise<Run[]> {
    return this.one(repo, async () => {
      const state = await this.state(repo);
      const { events, refs } = await pollRepository({
        gitDir: this.deps.clones.path(repo),
        url: repo.url,
        repo: this.identity(repo),
        seen: state.refs,
        fetch: () => this.deps.clones.sync(repo),
        peel: (ids) => this.deps.clones.peelCommits(repo, ids),
      });
      await this.save(repo, { ...state, refs });
      return this.fire(repo, events, "poll");
    });
  }

  /**
   * The registered repositories a hook's notification is about: the one it names (owner/name), else
   * every one registered with its path (several may share a URL; each hears of the push).
   */
  async findHookRepos(notification: HookNotification): Promise<Repo[]> {
    const fullName = notification.repository.full_name;
    if (fullName) {
      const [owner, name] = fullName.split("/");
      const repo = await this.deps.store.getRepo(owner, name ?? "");
      return repo ? [repo] : [];
    }
    const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
    const path = real(notification.repository.path);
    return (await this.deps.store.listRepos()).filter(
      (r) => !/^[\w+.-]+:\/\//.test(r.url) && real(r.url) === path,
    );
  }

  /** A post-receive notification: the pushed refs become events (once, whoever saw them first). */
  receiveHook(repo: Repo, notification: HookNotification): Promise<Run[]> {
    return this.one(repo, async () => {
      const state = await this.state(repo);
      const { events, refs } = await hookEvents({
        gitDir: this.deps.clones.path(repo),
        url: repo.url,
        repo: this.identity(repo),
        seen: state.refs,
        notification,
        fetch: () => this.deps.clones.syncPush(repo, notification.updates),
        peel: (ids) => this.deps.clones.peelCommits(repo, ids),
        readCommit: (id) => this.deps.clones.readCommit(repo, id),
      });
      await this.save(repo, { ...state, refs });
      return this.fire(repo, events, "hook");
    });
  }

  /** The registered repository a forge names (owner/name, or a clone URL ending in its path). */
  async findForgeRepo(fullName: string): Promise<Repo | undefined> {
    const slash = fullName.lastIndexOf("/");
    const direct = await this.deps.store.getRepo(fullName.slice(0, slash), fullName.slice(slash + 1));
    if (direct) return direct;
    const tail = new RegExp(`[/:]${fullName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:\\.git)?/?$`);
    return (await this.deps.store.listRepos()).find((r) => tail.test(r.url));
  }

  /** Forge events: completed from the clone, then started; pushes count as seen for the poller. */
  receiveWebhook(repo: Repo, events: ForgeEvent[]): Promise<Run[]> {
    return this.one(repo, async () => {
      const ready: RepoEvent[] = [];
      for (const fe of events) {
        const seen = (await this.state(repo)).refs;
        if (fe.name === "push" && seen && (seen[fe.ref] ?? ZERO_SHA) === String(fe.payload.after)) {
          // A poll or the hook got there first: the push has started its runs already.
          this.deps.log(`${repo.owner}/${repo.name}: ${fe.forge} push ${fe.ref}: already seen`);
          continue;
        }
        try {
          const event = await prepareForgeEvent(
            fe,
            this.deps.clones.path(repo),
            repo.url,
            () => this.fetchFor(repo, fe),
            (id) => this.deps.clones.peelCommit(repo, id),
          );
          ready.push(event);
          const state = await this.state(repo);
          if (event.name === "push" && state.refs) {
            const update = {
              ref: fe.ref,
              before: String(fe.payload.before),
              after: String(fe.payload.after),
            };
            await this.save(repo, { ...state, refs: applyUpdates(state.refs, [update]) });
          }
        } catch (err) {
          const why = err instanceof EventSkipped ? "skipped" : "failed";
          this.deps.log(
            `${repo.owner}/${repo.name}: ${fe.forge} ${fe.name} ${why}: ${(err as Error).message}`,
          );
        }
      }
      return this.fire(repo, ready, fe0(events));
    });
  }

  /**
   * Brings what a forge event names into the clone. A push, as a post-receive hook's (syncPush):
   * copied from origin when origin is a repository on this host whose own files show the pushed
   * commit at the ref (two git processes; a fetch from a local path is six), else (a remote origin,
   * a deletion, packed objects …) a fetch of everything, as for any other event.
   */
  private async fetchFor(repo: Repo, fe: ForgeEvent): Promise<void> {
    if (fe.name !== "push") return this.deps.clones.sync(repo);
    const { before, after } = fe.payload;
    await this.deps.clones.syncPush(repo, [{ ref: fe.ref, before: String(before), after: String(after) }]);
  }

  /** The schedules of the default branch's workflows (cached until the branch moves). */
  private async scheduleOf(repo: Repo): Promise<{ sha: string; entries: ScheduleEntry[] } | undefined> {
    const cached = this.schedules.get(repo.id);
    if (cached) return cached;
    // Through the clone's cat-file process: a push's next tick starts no git process here.
    const sha = (await this.deps.clones.resolveRef(repo, `refs/heads/${repo.defaultBranch}`))?.sha;
    if (!sha) return undefined;
    const workflows: { file: string; crons: string[] }[] = [];
    for (const { file, content } of await this.deps.clones.readWorkflows(repo, sha)) {
      const loaded = await peekPushedWorkflow(file, content);
      const crons = (loaded.workflow?.template.events.schedule ?? []).map((s) => s.cron);
      if (crons.length > 0) workflows.push({ file, crons });
    }
    const schedule = { sha, entries: scheduleEntries(workflows) };
    this.schedules.set(repo.id, schedule);
    return schedule;
  }

  /**
   * Starts the schedule ticks due now (see src/triggers/schedule.ts), exactly once each: the ticks
   * are recorded with a pending mark before their runs are started and the mark goes once they
   * are stored. A mark a server left behind (it died in between) is finished here: the workflows
   * whose run for the tick is not stored are started, the others not again.
   */
  runSchedules(repo: Repo, now: Date): Promise<Run[]> {
    return this.one(repo, async () => {
      const runs = await this.finishPending(repo);
      const schedule = await this.scheduleOf(repo);
      if (!schedule || schedule.entries.length === 0) return runs;
      const state = await this.state(repo);
      const last = new Map(Object.entries(state.ticks).map(([k, v]) => [k, new Date(v)]));
      const { due, record } = dueSchedules(schedule.entries, last, now);
      const ticks = Object.fromEntries([...record].map(([k, v]) => [k, v.toISOString()]));
      if (due.length === 0) {
        if (JSON.stringify(ticks) !== JSON.stringify(state.ticks)) await this.save(repo, { ...state, ticks });
        return runs;
      }
      // Recorded first, with the pending mark (the system's time, as the runs' created_at).
      const recorded = new Date().toISOString();
      const pending = Object.fromEntries(
        due.flatMap((d) => d.files.map((file) => [scheduleKey({ file, cron: d.cron }), recorded])),
      );
      await this.save(repo, { ...state, ticks, pending });
      const events = due.map((d) => scheduleEvent(this.identity(repo), d.cron, schedule.sha));
      runs.push(...(await this.fire(repo, events, "schedule")));
      await this.save(repo, { ...(await this.state(repo)), pending: undefined });
      return runs;
    });
  }

  /** Starts what a pending mark left behind still misses (see runSchedules). */
  private async finishPending(repo: Repo): Promise<Run[]> {
    const state = await this.state(repo);
    const pending = Object.entries(state.pending ?? {});
    if (pending.length === 0) return [];
    const sha = peelCommit(this.deps.clones.path(repo), `refs/heads/${repo.defaultBranch}`);
    const missing = new Map<string, string[]>();
    for (const [key, recorded] of pending) {
      const cut = key.lastIndexOf("\n");
      const file = key.slice(0, cut);
      const cron = key.slice(cut + 1);
      const { runs } = await this.deps.store.listRuns({
        repoId: repo.id,
        event: "schedule",
        workflowFile: file,
        perPage: 10,
      });
      const started = runs.some(
        (r) =>
          r.createdAt >= recorded &&
          (r.github.event as { schedule?: unknown } | undefined)?.schedule === cron,
      );
      if (!started) missing.set(cron, [...(missing.get(cron) ?? []), file]);
    }
    const runs: Run[] = [];
    if (sha) {
      for (const [cron, files] of missing) {
        this.deps.log(
          `${repo.owner}/${repo.name}: schedule '${cron}': starting the tick a stopped server left unstarted (${files.join(", ")})`,
        );
        try {
          runs.push(
            ...(await this.deps.handleEvent(repo, scheduleEvent(this.identity(repo), cron, sha), files)),
          );
        } catch (err) {
          this.deps.log(`${repo.owner}/${repo.name}: schedule ${cron}: ${(err as Error).message}`);
        }
      }
    }
    await this.save(repo, { ...(await this.state(repo)), pending: undefined });
    return runs;
  }

  private async tick(): Promise<void> {
    if (this.ticking || (this.deps.leads && !this.deps.leads())) return;
    this.ticking = true;
    try {
      const now = Date.now();
      const clock = this.deps.now?.() ?? now;
      for (const repo of await this.deps.store.listRepos()) {
        const last = this.lastPoll.get(repo.id);
        const pollDue =
          last === undefined ||
          (repo.pollIntervalSeconds > 0 && now - last >= repo.pollIntervalSeconds * 1000);
        if (pollDue) {
          this.lastPoll.set(repo.id, now);
          await this.poll(repo).catch((err) =>
            this.deps.log(`${repo.owner}/${repo.name}: poll: ${(err as Error).message}`),
          );
        }
        await this.runSchedules(repo, new Date(clock)).catch((err) =>
          this.deps.log(`${repo.owner}/${repo.name}: schedule: ${(err as Error).message}`),
        );
      }
    } catch (err) {
      this.deps.log(`triggers: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }
}

function fe0(events: ForgeEvent[]): string {
  return events[0]?.forge ?? "webhook";
}
