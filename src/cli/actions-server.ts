import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { cacheScopes } from "../actions/index.js";
import { type JobLife, JobTokens } from "../cache/index.js";
import { type JobServiceLease, type JobServices, SERVICES_PATH, serverBase } from "../runner/index.js";
import type { ActionsAppsOptions, actionsApps } from "./actions-apps.js";

export type ActionsServerOptions = Omit<ActionsAppsOptions, "tokens"> & {
  /**
   * The key the jobs' tokens and signed URLs are signed with (JobTokensOptions.key): `gantry
   * serve` derives it from its master key, so that every server of one database accepts the
   * tokens of the others. Without it, a random key of this object's own (`gantry run`).
   */
  tokenKey?: Uint8Array;
  /**
   * Where the server keeps whether a job still runs (`gantry serve`: its GITHUB_TOKEN in the
   * store): each job's token is bound to it, so every server refuses it once the job has ended.
   * Without it, a token is refused after its job's end where the job's lease was closed.
   */
  jobLife?: JobLife;
};

/**
 * The Actions cache and artifact services of one `gantry run` or `gantry serve`. Jobs on this
 * machine reach them on a loopback port of their own: it opens when the first such job starts, as
 * a plain TCP listener that hands its connections to a node:http server made at the first one
 * (node:http and its modules are not loaded before a step calls the services, so not before
 * `gantry run`'s first step). A server also answers them on its main listener under
 * SERVICES_PATH (fetch()), where runners on other machines reach them. The services themselves
 * (actions-apps.ts) are imported on the first request, so runs whose steps never call them do not
 * pay for them. Each job gets a token of its own, revoked when it ends.
 */
export class ActionsServer implements JobServices {
  private readonly tokens: JobTokens;
  private readonly staging: string;
  private server?: Promise<{ server: Server; url: string }>;
  private http?: HttpServer;
  private apps?: ReturnType<typeof actionsApps>;

  constructor(private readonly o: ActionsServerOptions) {
    this.tokens = new JobTokens({ key: o.tokenKey, alive: o.jobLife?.alive.bind(o.jobLife) });
    this.staging = join(o.stagingDir, `actions-${randomUUID()}`);
  }

  private loadApps(): ReturnType<typeof actionsApps> {
    this.apps ??= import("./actions-apps.js").then((m) =>
      m.actionsApps({ ...this.o, tokens: this.tokens, stagingDir: this.staging }),
    );
    return this.apps;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.loadApps().then(
      (apps) => apps.listener(req, res),
      (err: Error) => {
        res
          .writeHead(500, { "content-type": "text/plain" })
          .end(`gantry: the Actions services failed to load: ${err.message}`);
      },
    );
  }

  /**
   * The services as a web handler, for the server's main listener: `req`'s path is taken from the
   * services' root (the server strips SERVICES_PATH before it calls this).
   */
  async fetch(req: Request): Promise<Response> {
    let apps: Awaited<ReturnType<typeof actionsApps>>;
    try {
      apps = await this.loadApps();
    } catch (err) {
      return new Response(`gantry: the Actions services failed to load: ${(err as Error).message}`, {
        status: 500,
        headers: { "content-type": "text/plain" },
      });
    }
    return apps.fetch(req);
  }

  private start(): Promise<{ server: Server; url: string }> {
    this.server ??= new Promise((resolvePromise, reject) => {
      // The socket options node:http's own listener would set.
      const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        resolvePromise({ server, url: `http://127.0.0.1:${port}/` });
      });
    });
    return this.server;
  }

  /** Gives a connection of the loopback port to the HTTP server, made (and node:http loaded) at the first. */
  private accept(socket: Socket): void {
    if (!this.http) {
      this.http = process.getBuiltinModule("node:http").createServer((req, res) => this.handle(req, res));
      // What node:http does when its own server starts listening: it tracks the connections from
      // then on (request and header timeouts, closeAllConnections).
      this.http.emit("listening");
    }
    this.http.emit("connection", socket);
  }

  /**
   * A job's lease: its token and the services' URLs. With `job.serverUrl` (a job on a runner
   * machine), the URLs are `<serverUrl>/_services/actions/`, which the server answers through fetch();
   * without it, this machine's loopback port (opened at the first such job).
   */
  async open(job: Parameters<JobServices["open"]>[0]): Promise<JobServiceLease> {
    const url =
      job.serverUrl !== undefined
        ? `${serverBase(job.serverUrl)}${SERVICES_PATH}/`
        : (await this.start()).url;
    const lifeRef = await this.o.jobLife?.of(job.github);
    const { grant, token } = this.tokens.issue(
      job.runId,
      cacheScopes(job.github),
      Number(job.github.run_attempt) || 1,
      { servicesUrl: url, lifeRef },
    );
    return {
      env: {
        ACTIONS_RUNTIME_TOKEN: token,
        ACTIONS_RESULTS_URL: url,
        ACTIONS_CACHE_URL: url,
        ACTIONS_CACHE_SERVICE_V2: "True",
      },
      secrets: [token],
      close: async () => {
        this.tokens.revoke(grant.jobId);
        const apps = await this.apps?.catch(() => undefined);
        await apps?.endJob(grant.jobId);
      },
    };
  }

  /** Stops the server (if it started) and removes the staged uploads. */
  async close(): Promise<void> {
    const started = this.server;
    this.server = undefined;
    if (started) {
      const { server } = await started;
      const http = this.http;
      this.http = undefined;
      http?.closeAllConnections();
      http?.close();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    }
    await rm(this.staging, { recursive: true, force: true });
  }
}
