import type pg from "pg";
import { PgSession } from "./pg-session.js";

/**
 * Which server does what must happen once across the servers on one database (polling, schedule
 * ticks, adopting the runs of a dead server, the sweep of expired runner leases).
 */
export interface Leadership {
  /** Whether this server leads now. */
  readonly leading: boolean;
  /** Calls `fn` whenever leading changes (true: this server took over; false: it lost the lead). */
  onChange(fn: (leading: boolean) => void): () => void;
  close(): Promise<void>;
}

/** One server on its own (SQLite): it always leads. */
export class SoleLeadership implements Leadership {
  readonly leading = true;
  onChange(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}

/** The advisory lock's key: one per database, whatever else uses advisory locks ("gantry" + 1). */
const LOCK = [0x67616e74, 1] as const;
/** The first key of PgLocks' locks (the second is the hash of the lock's name). */
const LOCKS = 0x67616e75;

/**
 * Leadership on PostgreSQL: the session-level advisory lock LOCK, held on a dedicated connection.
 * Each server tries for it every `tryMs`; the holder asks its connection every `tryMs` whether it
 * is alive (a query that does not answer within a few seconds ends it). When the holder dies its
 * session ends and the lock with it, so another takes over within `tryMs` of PostgreSQL noticing
 * (at once for a killed process: its socket closes; seconds for a vanished machine: keepalives).
 */
export class PgLeadership implements Leadership {
  private isLeading = false;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private readonly session: PgSession;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    url: string,
    private readonly log: (message: string) => void,
    private readonly tryMs = 1000,
  ) {
    this.session = new PgSession(url, {
      name: "leadership",
      log,
      queryTimeoutMs: 3000,
      onDown: () => this.set(false),
      onUp: () => void this.look(),
    });
  }

  get leading(): boolean {
    return this.isLeading;
  }

  async start(): Promise<void> {
    await this.session.start();
    await this.look();
    this.timer = setInterval(() => void this.look(), this.tryMs);
    this.timer.unref();
  }

  onChange(fn: (leading: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(leading: boolean): void {
    if (leading === this.isLeading) return;
    this.isLeading = leading;
    this.log(
      leading
        ? "this server leads now (polling, schedules, adopting dead servers' runs)"
        : "this server no longer leads",
    );
    for (const fn of [...this.listeners]) {
      try {
        fn(leading);
      } catch {
        // one listener failing does not keep the change from the others
      }
    }
  }

  /** Takes the lock when free, or makes sure the session holding it is alive. */
  private async look(): Promise<void> {
    const client = this.session.client;
    if (this.busy || !client) return;
    this.busy = true;
    try {
      if (this.isLeading) {
        await client.query("select 1");
      } else {
        const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1, $2) as ok", [
          ...LOCK,
        ]);
        if (rows[0]?.ok && this.session.client === client) this.set(true);
      }
    } catch {
      this.session.lost(client);
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.set(false);
    // Ending the session lets the lock go at once: a peer takes over at its next try.
    await this.session.close();
  }
}

/**
 * Locks by name across the servers on one PostgreSQL database, for work that reads, then writes
 * shared state and must not interleave with a peer's (a repository's triggers: a hook on one
 * server and the leader's poll on another must not both start one push). Session advisory locks
 * on a dedicated connection: a server that dies lets its locks go with its session.
 */
export class PgLocks {
  private readonly session: PgSession;

  constructor(url: string, log: (message: string) => void) {
    this.session = new PgSession(url, { name: "locks", log });
  }

  start(): Promise<void> {
    return this.session.start();
  }

  /** This server's own turns per key (a session's advisory lock does not keep its own callers apart). */
  private readonly turns = new Map<string, Promise<unknown>>();

  /** Runs `fn` holding the lock `key` (waiting for a peer, or another caller here, that holds it). */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.turns.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(() => this.locked(key, fn));
    const settled = mine.catch(() => undefined);
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return mine;
  }

  private async locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let held: pg.Client | undefined;
    while (!held) {
      const client = this.session.client;
      if (client) {
        try {
          const { rows } = await client.query<{ ok: boolean }>(
            "select pg_try_advisory_lock($1, hashtext($2)) as ok",
            [LOCKS, key],
          );
          if (rows[0]?.ok) held = client;
        } catch {
          this.session.lost(client);
        }
      }
      if (!held) await new Promise((r) => setTimeout(r, 50));
    }
    try {
      return await fn();
    } finally {
      // A session lost meanwhile took the lock with it.
      if (this.session.client === held)
        await held.query("select pg_advisory_unlock($1, hashtext($2))", [LOCKS, key]).catch(() => undefined);
    }
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
