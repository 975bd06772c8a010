/** An answer of the server: its status and its JSON body (undefined when it had none). */
export interface Answer<T> {
  status: number;
  body: T;
}

/** Thrown for an answer that is neither a success nor one the caller handles (401, 422 …). */
export class ServerRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The runner's HTTP client of the server's runner protocol (/_runner/…). The credential travels
 * in the Authorization header only; a failed connection or a 502/503/504 is tried again with a
 * growing pause, as many times as `attempts` allows.
 */
export class RunnerClient {
  private current = 0;

  /**
   * `servers`: the server's URLs (several servers of one database answer alike); a request that
   * cannot reach one goes to the next.
   */
  constructor(
    private readonly servers: string[],
    private credential = "",
  ) {
    if (servers.length === 0) throw new Error("a runner needs a server URL");
  }

  /** The server requests go to now. */
  get server(): string {
    return this.servers[this.current];
  }

  /** The next server, after one could not be reached. */
  private failOver(): void {
    this.current = (this.current + 1) % this.servers.length;
  }

  /** The header a request on the runner's behalf carries (git's fetches too). */
  get authorization(): string {
    return `Bearer ${this.credential}`;
  }

  setCredential(credential: string): void {
    this.credential = credential;
  }

  url(path: string): string {
    return new URL(path, this.server.endsWith("/") ? this.server : `${this.server}/`).toString();
  }

  /**
   * POSTs JSON; returns the answer when its status is in `expect` (default 2xx), throws
   * ServerRefused for another status. `attempts` times on a network failure or a 5xx gateway error.
   */
  async post<T>(
    path: string,
    body: unknown,
    opts: { signal?: AbortSignal; attempts?: number; expect?: number[] } = {},
  ): Promise<Answer<T>> {
    return this.send<T>(path, { method: "POST", body: JSON.stringify(body) }, opts);
  }

  async get<T>(path: string, opts: { signal?: AbortSignal; attempts?: number; expect?: number[] } = {}) {
    return this.send<T>(path, { method: "GET" }, opts);
  }

  async delete(path: string): Promise<void> {
    await this.send(path, { method: "DELETE" }, { attempts: 3, expect: [204] });
  }

  /** A GET whose body the caller streams (an archive). */
  async download(path: string, signal?: AbortSignal): Promise<Response> {
    const res = await fetch(this.url(path), { headers: { authorization: this.authorization }, signal }).catch(
      (err: Error) => {
        this.failOver();
        throw err;
      },
    );
    if (!res.ok) throw new ServerRefused(res.status, await messageOf(res));
    return res;
  }

  private async send<T>(
    path: string,
    init: { method: string; body?: string },
    opts: { signal?: AbortSignal; attempts?: number; expect?: number[] },
  ): Promise<Answer<T>> {
    // A server out of reach costs one more attempt on the next.
    const attempts = (opts.attempts ?? 5) + this.servers.length - 1;
    let wait = 250;
    for (let attempt = 1; ; attempt++) {
      let res: Response | undefined;
      let failure: Error | undefined;
      try {
        res = await fetch(this.url(path), {
          ...init,
          headers: { authorization: this.authorization, "content-type": "application/json" },
          signal: opts.signal,
        });
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        failure = err as Error;
        this.failOver();
      }
      if (res && ![502, 503, 504].includes(res.status)) {
        const ok = opts.expect ? opts.expect.includes(res.status) : res.ok;
        if (!ok) throw new ServerRefused(res.status, await messageOf(res));
        const text = await res.text();
        return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
      }
      if (attempt >= attempts) {
        throw failure ?? new ServerRefused(res?.status ?? 0, `the server answered ${res?.status}`);
      }
      await pause(wait, opts.signal);
      wait = Math.min(wait * 2, 5000);
    }
  }
}

async function messageOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { message?: string };
    return `${res.status}: ${body.message ?? text}`;
  } catch {
    return `${res.status}: ${text.slice(0, 200)}`;
  }
}
