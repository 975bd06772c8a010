import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ServerRecord, Store } from "../store/index.js";
import type { Leadership } from "./leadership.js";
import type { WriteFence } from "./write-fence.js";

export interface ServerPresenceDeps {
  store: Store;
  leadership: Leadership;
  /** Takes over a dead server's unfinished run (RunService.adopt): exactly one server gets it. */
  adopt: (runId: number, from: string | null) => Promise<unknown>;
  dataDir: string;
  log: (message: string) => void;
  /**
   * This server was judged dead and its runs adopted by another: the fence keeps its writes out
   * of the store from now on, and this says so (the server stops).
   */
  judgedDead: () => void;
  /** The store the server's runs use, closed while this server may have lost them. */
  fence: WriteFence;
  /** How often the heartbeat moves (and the leader looks for dead servers); default 1 s. */
  heartbeatMs?: number;
  /** A heartbeat that has not moved for this long is a dead server's; default 5 s. */
  deadAfterMs?: number;
}

/** The default time without a heartbeat after which a server is judged dead. */
export const DEAD_AFTER_MS = 5000;

/**
 * This server among the servers sharing one database: its row in `servers` with a heartbeat, and,
 * while it leads, the watch over the others. A server whose heartbeat stopped moving (judged by
 * this server's own clock, so clocks that differ between machines do not matter), or whose row is
 * gone (it stopped), is dead: each of its unfinished runs is adopted (RunService.adopt), then its
 * row goes. At start, the runs of this data directory's earlier server (it died: a data directory
 * has one server at a time) are adopted at once.
 */
export class ServerPresence {
  readonly id = randomUUID();
  private url = "";
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<boolean> | undefined;
  private watching: Promise<void> | undefined;
  /**
   * Each peer's heartbeat as last read, and for how long (this server's clock, as counted by
   * watch) it has not moved since.
   */
  private readonly seen = new Map<string, { heartbeat: string; still: number }>();
  private stopped = false;
  /** When this server last watched the others (its clock). */
  private watchedAt = 0;

  constructor(private readonly deps: ServerPresenceDeps) {}

  private record(): ServerRecord {
    const at = new Date().toISOString();
    return {
      id: this.id,
      host: hostname(),
      dataDir: this.deps.dataDir,
      pid: process.pid,
      url: this.url,
      startedAt: at,
      heartbeatAt: at,
    };
  }

  /** Registers this server; its earlier self's runs (same host and data directory) are adopted. */
  async start(): Promise<void> {
    const { store } = this.deps;
    const me = this.record();
    const sentAt = Date.now();
    await store.registerServer(me);
    this.deps.fence.start(() => this.heartbeat(), sentAt);
    const earlier = (await store.listServers()).filter(
      (s) => s.id !== this.id && s.host === me.host && s.dataDir === me.dataDir,
    );
    for (const s of earlier) await this.takeOver(s.id);
    this.timer = setInterval(() => void this.beat(), this.deps.heartbeatMs ?? 1000);
    this.timer.unref();
    this.deps.leadership.onChange((leading) => {
      // A new leader judges the others by what it sees from now on.
      if (leading) this.seen.clear();
    });
  }

  /** Where this server listens, for its row. */
  setUrl(url: string): void {
    this.url = url;
  }

  /** Each tick: the heartbeat, then (the leader) a look at the others unless one is under way. */
  private beat(): void {
    void this.heartbeat().then(() => {
      if (!this.deps.leadership.leading || this.stopped || this.watching) return;
      this.watching = this.watch()
        .catch((err: Error) => this.deps.log(`servers: ${err.message}`))
        .finally(() => {
          this.watching = undefined;
        });
    });
  }

  /**
   * Moves this server's heartbeat (one at a time: callers share the one under way). The fence
   * waits on this alone, never on a look at the others, which itself goes through the fence.
   */
  private heartbeat(): Promise<boolean> {
    this.beating ??= this.heartbeatOnce()
      .then(() => true)
      .catch((err: Error) => {
        this.deps.log(`servers: ${err.message}`);
        return false;
      })
      .finally(() => {
        this.beating = undefined;
      });
    return this.beating;
  }

  private async heartbeatOnce(): Promise<void> {
    if (this.stopped) return;
    const { store, fence } = this.deps;
    const sentAt = Date.now();
    if (!(await store.heartbeatServer(this.id, new Date(sentAt).toISOString(), this.url))) {
      // Judged dead (a long pause, the database out of reach): another server took its runs.
      // What this one still does with them (a step that ended meanwhile, the next job) must not
      // reach the store; it stops, and its supervisor starts it again as a new server.
      fence.close("a leader judged it dead (a long pause, or the database out of reach) and took its runs");
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      this.deps.judgedDead();
      return;
    }
    fence.beat(sentAt);
  }

  /** The leader's look at the others: the runs of the dead are adopted. */
  private async watch(): Promise<void> {
    const { store } = this.deps;
    const now = Date.now();
    const deadAfter = this.deps.deadAfterMs ?? DEAD_AFTER_MS;
    // A leader that was itself held up (its own pause, a starved CPU) did not watch meanwhile: of
    // the time since its last look it counts no more than two heartbeats, or it would judge the
    // others dead for its own delay (a stall of the whole machine stops their heartbeats too). It
    // counts that much even when every look is late (a loaded machine, a slow database), or it
    // would never judge a dead server dead.
    const counted =
      this.watchedAt === 0 ? 0 : Math.min(now - this.watchedAt, 2 * (this.deps.heartbeatMs ?? 1000));
    this.watchedAt = now;
    const servers = await store.listServers();
    const dead: string[] = [];
    for (const s of servers) {
      if (s.id === this.id) continue;
      const before = this.seen.get(s.id);
      if (!before || before.heartbeat !== s.heartbeatAt) {
        this.seen.set(s.id, { heartbeat: s.heartbeatAt, still: 0 });
        continue;
      }
      before.still += counted;
      if (before.still >= deadAfter) dead.push(s.id);
    }
    for (const id of this.seen.keys()) if (!servers.some((s) => s.id === id)) this.seen.delete(id);
    // A dead server's row goes first, and only if its heartbeat is still the one judged: once it
    // is gone, that server's next heartbeat finds so and it stops (its store is fenced
    // meanwhile); a heartbeat that landed in between keeps it alive.
    for (const id of dead) {
      const heartbeat = this.seen.get(id)?.heartbeat;
      this.seen.delete(id);
      if (heartbeat === undefined || !(await store.removeServer(id, heartbeat))) continue;
      this.deps.log(`servers: server ${id} stopped beating; its runs are adopted`);
    }
    const rows = new Set((await store.listServers()).map((s) => s.id));
    // Runs whose server is dead (its row removed above), stopped (its row gone) or never recorded.
    for (const { runId, serverId } of await store.unfinishedRunOwners()) {
      if (serverId !== null && rows.has(serverId)) continue;
      await this.deps.adopt(runId, serverId);
    }
  }

  /** Removes a dead server's row, then adopts its runs. */
  private async takeOver(id: string): Promise<void> {
    await this.deps.store.removeServer(id);
    this.seen.delete(id);
    for (const { runId, serverId } of await this.deps.store.unfinishedRunOwners()) {
      if (serverId === id) await this.deps.adopt(runId, id);
    }
  }

  /** Stops beating and removes the row: the runs left unfinished go to the leader. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.beating;
    await this.watching;
    await this.deps.store.removeServer(this.id).catch(() => undefined);
  }
}
