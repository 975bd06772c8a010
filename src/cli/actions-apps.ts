import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { loadArtifactService, type RunArtifactStore } from "../artifacts/index.js";
import { type JobTokens, loadCacheService, type ServerCacheStore } from "../cache/index.js";

export interface ActionsAppsOptions {
  tokens: JobTokens;
  cache: ServerCacheStore;
  /** A folder for uploads in progress, on the cache store's filesystem. */
  stagingDir: string;
  /** The largest cache entry accepted, in bytes. */
  maxCacheEntrySize: number;
  artifacts: RunArtifactStore;
  /** The largest artifact accepted, in bytes. */
  maxArtifactSize: number;
}

/**
 * The cache and artifact services as one node:http request listener. Imported only when a step
 * first calls them (Hono and the web Request/Response classes load then, not before the first step).
 */
export async function actionsApps(o: ActionsAppsOptions) {
  const [CacheService, ArtifactService] = await Promise.all([loadCacheService(), loadArtifactService()]);
  const cache = new CacheService({
    store: o.cache,
    tokens: o.tokens,
    stagingDir: join(o.stagingDir, "cache"),
    maxEntrySize: o.maxCacheEntrySize,
  });
  const artifacts = new ArtifactService({
    store: o.artifacts,
    tokens: o.tokens,
    stagingDir: join(o.stagingDir, "artifacts"),
    maxArtifactSize: o.maxArtifactSize,
  });
  const app = new Hono();
  app.route("/", cache.app);
  app.route("/", artifacts.app);
  return {
    listener: getRequestListener(app.fetch),
    /** The same services as a web handler (paths from the services' root: `/twirp/…`, `/_blob/…`). */
    fetch: (req: Request) => app.fetch(req),
    /** Drops what the job left unfinished. */
    async endJob(jobId: string): Promise<void> {
      await cache.endJob(jobId);
      await artifacts.endJob(jobId);
    },
  };
}
