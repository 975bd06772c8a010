import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { cacheScopes } from "../actions/index.js";
import { ArtifactService, type FsArtifactStore } from "../artifacts/index.js";
import { CacheService, type FsCacheStore, JobTokens } from "../cache/index.js";
import type { JobServiceLease, JobServices } from "../runner/index.js";

export interface ActionsServicesOptions {
  cache: FsCacheStore;
  /** A folder on the cache store's filesystem for uploads in progress (removed on close). */
  stagingDir: string;
  /** The largest cache entry accepted, in bytes. */
  maxCacheEntrySize: number;
  artifacts: FsArtifactStore;
  /** The largest artifact accepted, in bytes. */
  maxArtifactSize: number;
}

/**
 * The Actions cache and artifact services of one `gantry run`, on a loopback port: started when
 * the first job opens, closed by close(). Each job gets a token of its own, revoked at its end.
 */
export class ActionsServices implements JobServices {
  private readonly tokens = new JobTokens();
  private readonly staging: string;
  private readonly cache: CacheService;
  private readonly artifacts: ArtifactService;
  private server?: Promise<{ server: Server; url: string }>;

  constructor(private readonly o: ActionsServicesOptions) {
    this.staging = join(o.stagingDir, `actions-${randomUUID()}`);
    this.cache = new CacheService({
      store: o.cache,
      tokens: this.tokens,
      stagingDir: join(this.staging, "cache"),
      maxEntrySize: o.maxCacheEntrySize,
    });
    this.artifacts = new ArtifactService({
      store: o.artifacts,
      tokens: this.tokens,
      stagingDir: join(this.staging, "artifacts"),
      maxArtifactSize: o.maxArtifactSize,
    });
  }

  private start(): Promise<{ server: Server; url: string }> {
    this.server ??= new Promise((resolvePromise, reject) => {
      const app = new Hono();
      app.route("/", this.cache.app);
      app.route("/", this.artifacts.app);
      const server = createServer(getRequestListener(app.fetch));
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
    const { grant, token } = this.tokens.issue(job.runId, cacheScopes(job.github));
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
        await this.cache.endJob(grant.jobId);
        await this.artifacts.endJob(grant.jobId);
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
