import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ActionRunner, BuiltInActions, openActionStore } from "../actions/index.js";
import { artifactPortContract } from "../artifacts/artifact-store-contract.js";
import { FsArtifactStore, HttpArtifactStore } from "../artifacts/index.js";
import { cachePortContract } from "../cache/cache-store-contract.js";
import { FsCacheStore, HttpCacheStore } from "../cache/index.js";
import {
  buildGithubContext,
  Cancellation,
  EventBus,
  runWorkflow,
  Semaphore,
  type WorkflowRunReport,
} from "../engine/index.js";
import { hashToken, JOB_PREFIX, lastEight, newTokenValue } from "../identity/index.js";
import { LocalRunner } from "../runner/index.js";
import { keyFileOf } from "../secrets/index.js";
import { type GantryServer, startServer } from "../server/index.js";
import { buildWorkflowDef, loadWorkflow } from "../workflow/index.js";
import { ActionsServer } from "./actions-server.js";

const LIMIT = 50 * 1024 * 1024;
const CACHE_SERVICE = "/twirp/github.actions.results.api.v1.CacheService";

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** Stores of the server side, on its clock. */
function serverStores(now: () => number = Date.now) {
  const root = temp("gantry-services-");
  return {
    root,
    cache: new FsCacheStore({ root: join(root, "cache"), compression: "gzip", now }),
    artifacts: new FsArtifactStore({ root: join(root, "artifacts"), now }),
  };
}

/**
 * A real `gantry serve` (in process, listening on loopback) whose Actions services run on `stores`:
 * the services object, to open leases as the runner protocol does. `dataDir` may hold a master key.
 */
async function serve(stores = serverStores(), dataDir = temp("gantry-serve-")) {
  let services: ActionsServer | undefined;
  const server: GantryServer = await startServer({
    dataDir,
    port: 0,
    host: "127.0.0.1",
    adminToken: "admin-token",
    triggers: false,
    jobServices: ({ stagingDir, tokenKey, jobLife }) => {
      services = new ActionsServer({
        cache: stores.cache,
        artifacts: stores.artifacts,
        stagingDir,
        tokenKey,
        jobLife,
        maxCacheEntrySize: LIMIT,
        maxArtifactSize: LIMIT,
      });
      return services;
    },
  });
  stops.push(() => server.close());
  if (!services) throw new Error("the server made no job services");
  return { server, services, stores, dataDir };
}

/** The services on their own loopback port, as `gantry run` has them. */
function ownPort(stores = serverStores()) {
  const services = new ActionsServer({
    cache: stores.cache,
    artifacts: stores.artifacts,
    stagingDir: join(stores.root, "staging"),
    maxCacheEntrySize: LIMIT,
    maxArtifactSize: LIMIT,
  });
  stops.push(() => services.close());
  return services;
}

/** The github context of a job of `runId` whose cache scope is `ref`. */
const github = (ref = "refs/heads/main", attempt = 1) => ({ ref, run_attempt: String(attempt) });

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the lease's variables name no services");
  return value;
}

// The built-in actions' ports over HTTP, against the real services: through `gantry serve`'s main
// listener (/_services/actions/, as a runner machine reaches them) and on the services' own loopback port.
cachePortContract("HttpCacheStore through gantry serve's /_services/actions/", async (now) => {
  const { server, services } = await serve(serverStores(now));
  return async (scopes) => {
    const lease = await services.open({ runId: "1", github: github(scopes[0]), serverUrl: server.url });
    expect(lease.env.ACTIONS_RESULTS_URL).toBe(`${server.url}/_services/actions/`);
    return must(HttpCacheStore.fromEnv(lease.env, { compression: "gzip" }));
  };
});
cachePortContract("HttpCacheStore on the services' own port", async (now) => {
  const services = ownPort(serverStores(now));
  return async (scopes) => {
    const lease = await services.open({ runId: "1", github: github(scopes[0]) });
    expect(lease.env.ACTIONS_RESULTS_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    return must(HttpCacheStore.fromEnv(lease.env));
  };
});
artifactPortContract("HttpArtifactStore through gantry serve's /_services/actions/", async () => {
  const { server, services } = await serve();
  return async (runId, attempt = 1) => {
    const lease = await services.open({
      runId,
      github: github("refs/heads/main", attempt),
      serverUrl: server.url,
    });
    return must(HttpArtifactStore.fromEnv(lease.env));
  };
});
artifactPortContract("HttpArtifactStore on the services' own port", async () => {
  const services = ownPort();
  return async (runId, attempt = 1) => {
    const lease = await services.open({ runId, github: github("refs/heads/main", attempt) });
    return must(HttpArtifactStore.fromEnv(lease.env));
  };
});

function workspace(files: Record<string, string>): { workspace: string; paths: string[] } {
  const ws = temp("gantry-ws-");
  const paths: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(ws, name, ".."), { recursive: true });
    writeFileSync(join(ws, name), content);
    paths.push(join(ws, name));
  }
  return { workspace: ws, paths };
}

describe("the Actions services on gantry serve's main listener", () => {
  it("take a lease opened by another server of the same master key, refuse one of another key", async () => {
    const a = await serve();
    // Server B shares A's master key (its key file), as every server of one database must.
    const bData = temp("gantry-serve-");
    copyFileSync(keyFileOf(a.dataDir), keyFileOf(bData));
    const b = await serve(serverStores(), bData);
    const stranger = await serve();
    const id = { scope: "refs/heads/main", key: "k", version: "v1" };

    // Opened by A for a runner that talks to B: every URL is B's, and B accepts the token.
    const lease = await a.services.open({ runId: "5", github: github(), serverUrl: `${b.server.url}/` });
    expect(lease.env.ACTIONS_CACHE_URL).toBe(`${b.server.url}/_services/actions/`);
    const store = must(HttpCacheStore.fromEnv(lease.env, { compression: "gzip" }));
    expect((await store.save(id, workspace({ "f.txt": "from a runner" }))).saved).toBe(true);
    expect((await b.stores.cache.list()).map((e) => e.key)).toEqual(["k"]);
    expect(await a.stores.cache.list()).toEqual([]);

    // The same lease against a server of another master key: refused, nothing stored.
    const elsewhere = { ...lease.env, ACTIONS_RESULTS_URL: `${stranger.server.url}/_services/actions/` };
    const refused = must(HttpCacheStore.fromEnv(elsewhere, { compression: "gzip" }));
    await expect(refused.save(id, workspace({ "f.txt": "x" }))).rejects.toThrow(
      /not a token this server issued/,
    );
    expect(await stranger.stores.cache.list()).toEqual([]);
  });

  it("refuse strangers, forged signed URLs and oversized calls; a server without services has none", async () => {
    const { server, services } = await serve();
    const base = `${server.url}/_services/actions`;
    const call = (token: string | undefined, body: string, headers: Record<string, string> = {}) =>
      fetch(`${base}${CACHE_SERVICE}/GetCacheEntryDownloadURL`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body,
      });
    const none = await call(undefined, JSON.stringify({ key: "k", version: "v1" }));
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: "unauthenticated" });
    // The admin's API token is no job token.
    expect((await call("admin-token", JSON.stringify({ key: "k", version: "v1" }))).status).toBe(401);

    const lease = await services.open({ runId: "1", github: github(), serverUrl: server.url });
    const token = lease.env.ACTIONS_RUNTIME_TOKEN;
    // A body over the calls' limit is refused, not read whole.
    const big = await call(
      token,
      JSON.stringify({ key: "k", version: "v1", pad: "x".repeat(2 * 1024 * 1024) }),
    );
    expect(big.status).toBe(400);
    expect(await big.json()).toMatchObject({ code: "out_of_range" });

    const created = await fetch(`${base}${CACHE_SERVICE}/CreateCacheEntry`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ key: "k", version: "v1" }),
    });
    const { signed_upload_url } = (await created.json()) as { signed_upload_url: string };
    expect(signed_upload_url.startsWith(`${base}/_blob/cache/uploads/`)).toBe(true);
    const forged = signed_upload_url.replace(/sig=[^&]+/, "sig=AAAA");
    const put = await fetch(forged, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: "x" });
    expect(put.status).toBe(403);

    // The jobs' ID token endpoint beside them is the OIDC route's still (its 401, not the services').
    const oidc = await fetch(`${server.url}/_services/oidc/token?api-version=2.0`);
    expect(oidc.status).toBe(401);
    expect(await oidc.json()).toHaveProperty("message");

    // The job ended: its token is refused from then on.
    await lease.close();
    expect((await call(token, JSON.stringify({ key: "k", version: "v1" }))).status).toBe(401);

    const bare = await startServer({
      dataDir: temp("gantry-serve-"),
      port: 0,
      adminToken: "admin-token",
      triggers: false,
    });
    stops.push(() => bare.close());
    expect(
      (await fetch(`${bare.url}/_services/actions${CACHE_SERVICE}/CreateCacheEntry`, { method: "POST" }))
        .status,
    ).toBe(404);
  });

  it("refuse a job's token once its GITHUB_TOKEN is revoked in the store, whichever server revoked it", async () => {
    const { server, services, stores } = await serve();
    const repo = await server.store.addRepo({
      owner: "acme",
      name: "app",
      url: "/srv",
      defaultBranch: "main",
      pollIntervalSeconds: 0,
    });
    const value = newTokenValue(JOB_PREFIX);
    const githubToken = await server.store.addToken({
      kind: "job",
      userId: null,
      name: "build",
      hash: hashToken(value),
      lastEight: lastEight(value),
      scopes: [],
      expiresAt: null,
      repoId: repo.id,
      runId: 1,
      permissions: {},
    });
    const lease = await services.open({
      runId: "1",
      github: { ...github(), token: value },
      serverUrl: server.url,
    });
    const store = must(HttpCacheStore.fromEnv(lease.env, { compression: "gzip" }));
    const id = { scope: "refs/heads/main", key: "k", version: "v1" };
    expect((await store.save(id, workspace({ "f.txt": "1" }))).saved).toBe(true);
    // The job ended on another server of the database: it revoked the job's GITHUB_TOKEN there.
    await server.store.revokeToken(githubToken.id, new Date().toISOString());
    await expect(store.save({ ...id, key: "k2" }, workspace({ "f.txt": "2" }))).rejects.toThrow(
      /its job has finished/,
    );
    expect((await stores.cache.list()).map((e) => e.key)).toEqual(["k"]);
  });

  it("refuse a server URL that is not an http(s) address", async () => {
    const { services } = await serve();
    await expect(services.open({ runId: "1", github: github(), serverUrl: "ftp://x" })).rejects.toThrow(
      /http/,
    );
    await expect(services.open({ runId: "1", github: github(), serverUrl: "not a url" })).rejects.toThrow(
      /not a URL/,
    );
  });
});

const WORKFLOW = `name: CI
on: push
jobs:
  make:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache@v4
        with: { path: deps, key: deps-one }
      - id: where
        run: |
          mkdir -p deps out && echo cached > deps/a.txt && echo built > out/b.txt
          echo "url=$ACTIONS_RESULTS_URL" >> "$GITHUB_OUTPUT"
      - uses: actions/upload-artifact@v4
        with: { name: out, path: out }
  use:
    needs: make
    runs-on: ubuntu-latest
    steps:
      - id: restore
        uses: actions/cache/restore@v4
        with: { path: deps, key: deps-one }
      - uses: actions/download-artifact@v4
        with: { name: out, path: got }
      - run: test "$(cat deps/a.txt)" = cached && test "$(cat got/b.txt)" = built
`;

describe("a job on a runner machine", () => {
  it("saves and restores a cache entry and uploads and downloads an artifact over HTTP only", async () => {
    const { server, services, stores } = await serve();
    const loaded = await loadWorkflow(".github/workflows/ci.yml", WORKFLOW);
    if (!loaded.workflow) throw new Error(loaded.problems.map((p) => p.message).join("\n"));
    const root = temp("gantry-runner-");
    const source = join(root, "source");
    mkdirSync(source);
    // The runner's built-in actions hold no store: each step's stores come from its ACTIONS_* variables.
    const builtIns = new BuiltInActions({
      jobStores: (env) => ({ cache: HttpCacheStore.fromEnv(env), artifacts: HttpArtifactStore.fromEnv(env) }),
    });
    const actionStore = openActionStore(join(root, "home"));
    const runner = new LocalRunner({
      runsDir: join(root, "runs"),
      sourceDir: source,
      repositoryName: "app",
      toolCache: join(root, "tools"),
      actions: new ActionRunner(builtIns, actionStore),
      graceMs: 1000,
      debug: false,
      // Leases as the runner protocol opens them: for the address the runner reaches the server at.
      services: { open: (job) => services.open({ ...job, serverUrl: server.url }) },
    });
    const runId = "31";
    const report: WorkflowRunReport = await runWorkflow({
      runId,
      workflow: buildWorkflowDef(loaded.workflow),
      github: buildGithubContext({
        owner: "acme",
        repo: "app",
        actor: "dev",
        event: { name: "push", ref: "refs/heads/main", sha: "0".repeat(40), headRef: "", baseRef: "" },
        payload: {},
        runId,
        runNumber: 1,
        workflowName: "CI",
        workflowFile: ".github/workflows/ci.yml",
      }),
      inputs: {},
      vars: {},
      secrets: {},
      executor: runner,
      bus: new EventBus(),
      cancellation: new Cancellation(),
      slots: new Semaphore(2),
    });
    expect(report.jobs.map((j) => [j.id, j.result])).toEqual([
      ["make", "success"],
      ["use", "success"],
    ]);
    const make = report.jobs[0];
    expect(make.steps.find((s) => s.id === "where")?.outputs.url).toBe(`${server.url}/_services/actions/`);
    const use = report.jobs[1];
    expect(use.steps.find((s) => s.id === "restore")?.outputs["cache-hit"]).toBe("true");
    // What went over HTTP is in the server's stores.
    expect((await stores.cache.list()).map((e) => [e.scope, e.key])).toEqual([
      ["acme/app:refs/heads/main", "deps-one"],
    ]);
    expect((await stores.artifacts.list(runId)).map((a) => a.name)).toEqual(["out"]);
  });
});
