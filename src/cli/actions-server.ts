import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { cacheScopes } from "../actions/index.js";
import { JobTokens } from "../cache/index.js";
import type { JobServiceLease, JobServices } from "../runner/index.js";
import type { ActionsAppsOptions, actionsApps } from "./actions-apps.js";

export type ActionsServerOptions = Omit<ActionsAppsOptions, "tokens">;

/**
 * The Actions cache and artifact services of one `gantry run` on a loopback port. The port opens
 * when the first job starts (a plain node:http listener: cheap); the services themselves
 * (actions-apps.ts) are imported on the first request, so runs whose steps never call them do not
 * pay for them. Each job gets a token of its own, revoked when it ends.
 */
export class ActionsServer implements JobServices {
  private readonly tokens = new JobTokens();
  private readonly staging: string;
  private server?: Promise<{ server: Server; url: string }>;
  private apps?: ReturnType<typeof actionsApps>;

  constructor(private readonly o: ActionsServerOptions) {
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

  private start(): Promise<{ server: Server; url: string }> {
    this.server ??= new Promise((resolvePromise, reject) => {
      const server = createServer((req, res) => this.handle(req, res));
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        resolvePromise({ server, url: `http://127.0.0.1:${port}/` });
      });
    });
    return this.server;
  }

  async open(job: Parameters<JobServices["open"]>[0]): Promise<JobServiceLease> {
    const { url } = await this.start();
    const { grant, token } = this.tokens.issue(
      job.runId,
      cacheScopes(job.github),
      Number(job.github.run_attempt) || 1,
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
      server.closeAllConnections();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    }
    await rm(this.staging, { recursive: true, force: true });
  }
}
