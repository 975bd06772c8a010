import {
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

/**
 * Kysely's SQLite driver, its one connection handed to the queries waiting for it one at a time, in
 * the order they asked. Kysely's own lock wakes every waiter at each release and all but one wait
 * again: with 1,000 matrix legs each asking the store something at once, every query allocated a
 * promise per waiter (quadratic in the queue; 49 MiB of the server's allocations in a profile of a
 * wave of 1,000 jobs), and that garbage lived as long as the queue, so it reached V8's old
 * generation. Here a waiter is one promise, woken once.
 */
class QueuedSqliteDriver extends SqliteDriver {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.busy) await new Promise<void>((turn) => this.waiting.push(turn));
    this.busy = true;
    // Kysely's lock is always free here: only the holder of `busy` reaches it.
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    const next = this.waiting.shift();
    // Handed on while still busy: nothing that asks meanwhile goes ahead of the queue.
    if (next) next();
    else this.busy = false;
  }
}

/** SqliteDialect with QueuedSqliteDriver. */
export class QueuedSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new QueuedSqliteDriver(this.config);
  }
}
