import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ServerRecord, Store } from "../store/index.js";
import type { Leadership } from "./leadership.js";

export interface ServerPresenceDeps {
  store: Store;
  leadership: Leadership;
  /** Takes over a dead server's unfinished run (RunService.adopt): exactly one server gets it. */
  adopt: (runId: number, from: string | null) => Promise<unknown>;
  dataDir: string;
  log: (message: string) => void;
  /** How often the heartbeat moves (and the leader looks for dead servers); default 1 s. */
  heartbeatMs?: number;
  /** A heartbeat that has not moved for this long is a dead server's; default 5 s. */
  deadAfterMs?: number;
}

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
  private beating: Promise<void> | undefined;
  /** Each peer's heartbeat as last read, and when (this server's clock) it was seen to move. */
  private readonly seen = new Map<string, { heartbeat: string; movedAt: number }>();
  private stopped = false;

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
    await store.registerServer(me);
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

  private beat(): Promise<void> {
    this.beating ??= this.beatOnce()
      .catch((err: Error) => this.deps.log(`servers: ${err.message}`))
      .finally(() => {
        this.beating = undefined;
      });
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    if (this.stopped) return;
    const { store } = this.deps;
    if (!(await store.heartbeatServer(this.id, new Date().toISOString(), this.url))) {
      this.deps.log(
        "servers: this server's row was gone (a leader judged it dead after a long pause): registered again",
      );
      await store.registerServer(this.record());
    }
    if (!this.deps.leadership.leading || this.stopped) return;
    await this.watch();
  }

  /** The leader's look at the others: the runs of the dead are adopted. */
  private async watch(): Promise<void> {
    const { store } = this.deps;
    const now = Date.now();
    const deadAfter = this.deps.deadAfterMs ?? 5000;
    const servers = await store.listServers();
    const live = new Set<string>();
    const dead: string[] = [];
    for (const s of servers) {
      if (s.id === this.id) {
        live.add(s.id);
        continue;
      }
      const before = this.seen.get(s.id);
      if (!before || before.heartbeat !== s.heartbeatAt) {
        this.seen.set(s.id, { heartbeat: s.heartbeatAt, movedAt: now });
        live.add(s.id);
      } else if (now - before.movedAt < deadAfter) live.add(s.id);
      else dead.push(s.id);
    }
    for (const id of this.seen.keys()) if (!servers.some((s) => s.id === id)) this.seen.delete(id);
    // Runs whose server is dead, stopped (its row gone) or was never recorded.
    for (const { runId, serverId } of await store.unfinishedRunOwners()) {
      if (serverId !== null && live.has(serverId)) continue;
      await this.deps.adopt(runId, serverId);
    }
    for (const id of dead) {
      this.deps.log(`servers: server ${id} stopped beating; its runs were adopted`);
      await this.takeOver(id);
    }
  }

  /** Adopts a dead server's runs and removes its row. */
  private async takeOver(id: string): Promise<void> {
    for (const { runId, serverId } of await this.deps.store.unfinishedRunOwners()) {
      if (serverId === id) await this.deps.adopt(runId, id);
    }
    await this.deps.store.removeServer(id);
    this.seen.delete(id);
  }

  /** Stops beating and removes the row: the runs left unfinished go to the leader. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.beating;
    await this.deps.store.removeServer(this.id).catch(() => undefined);
  }
}
