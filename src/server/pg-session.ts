import type pg from "pg";

export interface PgSessionOptions {
  /** What the session is for, in messages ("signals", "leadership"). */
  name: string;
  /** Runs on each new connection before it counts as up (LISTEN, SET …). */
  onConnect?: (client: pg.Client) => Promise<void>;
  /** The connection is up (again). */
  onUp?: () => void;
  /** The connection was lost (it is made again in the background unless closed). */
  onDown?: () => void;
  /** A NOTIFY on a channel this session listens to. */
  onNotification?: (channel: string, payload: string) => void;
  log: (message: string) => void;
  /** A query that takes longer ends the connection (a peer that went silent); default 5 s. */
  queryTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One dedicated PostgreSQL connection, outside the store's pool: for what lives as long as a
 * session does (LISTEN, a session's advisory lock). Made again, with a growing pause, whenever it
 * drops; TCP keepalives on both ends, so a peer that vanished is noticed in seconds, not hours.
 */
export class PgSession {
  private current: pg.Client | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly url: string,
    private readonly opts: PgSessionOptions,
  ) {}

  /** The connection while it is up. */
  get client(): pg.Client | undefined {
    return this.current;
  }

  /** Connects (resolves at the first success, or after the first failure: it goes on trying). */
  start(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
    return Promise.race([this.connecting, this.firstAttempt()]);
  }

  private attempted: (() => void) | undefined;
  private firstAttempt(): Promise<void> {
    return new Promise((r) => {
      this.attempted = r;
    });
  }

  private async connectLoop(): Promise<void> {
    const { default: pgModule } = await import("pg");
    while (!this.closed && !this.current) {
      const client = new pgModule.Client({
        connectionString: this.url,
        keepAlive: true,
        keepAliveInitialDelayMillis: 1000,
        query_timeout: this.opts.queryTimeoutMs ?? 5000,
        application_name: `gantry ${this.opts.name}`,
      });
      client.on("error", () => this.lost(client));
      client.on("end", () => this.lost(client));
      client.on("notification", (n) => this.opts.onNotification?.(n.channel, n.payload ?? ""));
      try {
        await client.connect();
        // The server notices a vanished client within seconds too (a killed machine sends no FIN).
        await client.query(
          "select set_config('tcp_keepalives_idle', '5', false), set_config('tcp_keepalives_interval', '2', false), set_config('tcp_keepalives_count', '3', false)",
        );
        await this.opts.onConnect?.(client);
        if (this.closed) {
          await client.end().catch(() => undefined);
          return;
        }
        this.current = client;
        if (this.failures > 0) this.opts.log(`${this.opts.name}: connected to PostgreSQL again`);
        this.failures = 0;
        this.attempted?.();
        this.opts.onUp?.();
      } catch (err) {
        client.removeAllListeners("end");
        await client.end().catch(() => undefined);
        if (this.failures++ === 0)
          this.opts.log(
            `${this.opts.name}: cannot reach PostgreSQL (${(err as Error).message}); trying again`,
          );
        this.attempted?.();
        await sleep(Math.min(2000, 100 * 2 ** Math.min(this.failures, 5)));
      }
    }
  }

  /** Ends the connection as lost (a query timed out, the socket broke): it is made again. */
  lost(client: pg.Client | undefined = this.current): void {
    if (!client || this.current !== client) return;
    this.current = undefined;
    client.end().catch(() => undefined);
    this.opts.onDown?.();
    if (this.failures++ === 0)
      this.opts.log(`${this.opts.name}: lost the PostgreSQL connection; connecting again`);
    if (!this.closed) void this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.current;
    this.current = undefined;
    await client?.end().catch(() => undefined);
  }
}
