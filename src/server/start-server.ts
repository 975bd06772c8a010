import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { ActionRunner, BuiltInActions, openActionStore } from "../actions/index.js";
import { BlobArtifactStore, FsArtifactStore, type RunArtifactStore } from "../artifacts/index.js";
import { AuditTrail, openSigningKey, type SigningKey } from "../audit/index.js";
import { type BlobStore, openBlobStore, parseBlobUrl } from "../blobs/index.js";
import {
  BlobCacheStore,
  DEFAULT_EVICTION,
  FsCacheStore,
  type JobLife,
  type ServerCacheStore,
} from "../cache/index.js";
import { IssuedJobTokens, OidcIssuer, OidcKeys } from "../identity/index.js";
import type { JobServices } from "../runner/index.js";
import { MasterKeyError, SecretVault } from "../secrets/index.js";
import { startSpawnHelper } from "../spawner/index.js";
import {
  describeStoreLocation,
  openStore,
  parseStoreLocation,
  type Repo,
  type Run,
  type Store,
  type StoreLocation,
} from "../store/index.js";
import type { RepoEvent } from "../triggers/index.js";
import { UsageError } from "../workflow/index.js";
import { createApp } from "./app.js";
import { ServerAudit } from "./audit.js";
import { ensureAdminToken } from "./auth.js";
import { parseServerConfig, type ServerConfig } from "./config.js";
import type { ServerContext } from "./context.js";
import { applyDeclaredEnvironments, EnvironmentError } from "./environments.js";
import { gateClockFrom } from "./gate-clock.js";
import { moveLegacyHookSecrets } from "./hook-secret.js";
import { HookSender } from "./hook-sender.js";
import { hookSecrets } from "./hooks-config.js";
import { jobIsolation } from "./job-isolation.js";
import { jobTokenLife } from "./job-life.js";
import { JobLogs } from "./job-logs.js";
import { type Leadership, PgLeadership, PgLocks, SoleLeadership } from "./leadership.js";
import { LiveHub } from "./live-hub.js";
import { joinJobServices, oidcJobServices } from "./oidc-job-services.js";
import { PgSignals } from "./pg-signals.js";
import { ProcessLedger } from "./process-ledger.js";
import { PullService } from "./pull-service.js";
import { pushedWorkflows, startParsingWorkflows } from "./pushed-workflows.js";
import { RemoteJobs } from "./remote-jobs.js";
import { RepoClones } from "./repo-clones.js";
import { hookRoutes } from "./routes/hooks.js";
import { RunNotes } from "./run-notes.js";
import { RunService } from "./run-service.js";
import { defaultLabelMap, defaultLabels } from "./runner-labels.js";
import { RunnerPool } from "./runner-pool.js";
import { Serial } from "./serial.js";
import { DEAD_AFTER_MS, ServerPresence } from "./server-presence.js";
import { LocalSignals, type Signals } from "./signals.js";
import { removeStaleRunners } from "./stale-runners.js";
import { TriggerService } from "./trigger-service.js";
import { fencedStore, WriteFence } from "./write-fence.js";

/**
 * How long before a leader could judge this server dead its store is fenced: room for a heartbeat
 * in flight and for clocks that run at slightly different rates.
 */
const FENCE_MARGIN_MS = 1500;

export interface StartServerOptions {
  /** Where everything is kept: gantry.db, clones, logs, caches, artifacts. */
  dataDir: string;
  /**
   * A postgres:// URL: the store lives there instead of in DATA/gantry.db (before the config's
   * `database:`). Logs, clones, caches and artifacts stay under `dataDir`.
   */
  database?: string;
  /** 0 picks a free port (the bound one is in `url`). */
  port?: number;
  /**
   * Several servers on one database: this one was judged dead (paused, or cut off from the
   * database, past the heartbeat's limit) and its runs went to another. Its store is closed for
   * good by then and the steps it ran are ended; `gantry serve` exits so that its supervisor
   * starts it again. Without it the server stays up, inert.
   */
  onJudgedDead?: () => void;
  host?: string;
  /** The parsed config file (or the same shape written in code). */
  config?: ServerConfig | Record<string, unknown>;
  /** The admin token; else GANTRY_ADMIN_TOKEN; else one is generated at first start. */
  adminToken?: string;
  /** false: no HTTP listener (tests drive `app.request()`). */
  listen?: boolean;
  /** false: no polling or schedule loop (hooks and webhooks still work). */
  triggers?: boolean;
  /**
   * The Actions cache and artifact services jobs reach over HTTP (ACTIONS_RUNTIME_TOKEN …), made
   * on the server's own stores; without it jobs have only the built-in cache and artifact actions.
   */
  jobServices?: (stores: ServerStores) => ClosableJobServices;
  /** The built web UI; default: web/ beside the bundle (dist/web). */
  webDir?: string;
  /** The config file `config` was read from: jobs never see it. */
  configFile?: string;
  /**
   * Where logs, artifacts and cache entries go (`--blobs`; else the config's `blobs:`): file:///dir
   * or s3://bucket[/prefix]?endpoint=…&region=…. Without either, under `dataDir` as always.
   */
  blobs?: string;
  /**
   * Re-encrypt every secret under a new master key before serving (GANTRY_NEW_MASTER_KEY, else a
   * new random one written to the key file).
   */
  rotateMasterKey?: boolean;
  /**
   * A new OIDC signing key from now on (`gantry serve --rotate-oidc-key`); the previous one stays in
   * the JWKS until the tokens it signed have expired.
   */
  rotateOidcKey?: boolean;
}

/** The cache and artifact stores: under the server's data directory, or in its blob store. */
export interface ServerStores {
  cache: ServerCacheStore;
  artifacts: RunArtifactStore;
  /** A folder for uploads in progress, on the cache store's filesystem. */
  stagingDir: string;
  /**
   * The key the jobs' ACTIONS_RUNTIME_TOKENs are signed with, derived from the master key: the
   * same on every server of one database, so a token one issued is accepted by the others.
   */
  tokenKey: Buffer;
  /** Whether a job still runs, as the store (shared by the servers) keeps it: see job-life.ts. */
  jobLife: JobLife;
}

/** Job services the server closes when it stops, and answers on its main listener (fetch). */
export type ClosableJobServices = JobServices & {
  close(): Promise<void>;
  /**
   * The services' HTTP handler: the server answers it under SERVICES_PATH (`/_services/actions/…`, the
   * prefix taken off the path before the call), where runners on other machines reach it.
   */
  fetch?(req: Request): Promise<Response>;
};

export interface GantryServer {
  /** http://host:port, once listening. */
  url: string;
  app: Hono;
  store: Store;
  context: ServerContext;
  /** Set at the first start when no token was given: the admin token, shown this once. */
  generatedAdminToken?: string;
  /** An event in a repository (push, pull request, schedule …): queues the runs it starts. */
  handleEvent(repo: Repo | string, event: RepoEvent): Promise<Run[]>;
  /** Polls, hooks, webhooks and schedules (trigger-service.ts). */
  triggers: TriggerService;
  /** Waits until no run is going through the engine (tests). */
  whenIdle(): Promise<void>;
  /** How many jobs are running now. */
  runningJobs(): number;
  /**
   * A graceful stop: takes no new work, lets the running jobs finish (for up to `timeoutMs`; then
   * their processes are killed and the next start recovers them as lost), and stops. Runs with
   * jobs still queued stay as they are: the next start goes on with them. True when every running
   * job finished in time.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops at once, ending the runs under way as cancelled (in-process servers, tests). */
  close(): Promise<void>;
}

/**
 * Starts gantry's server: opens (and migrates) the store under `dataDir`, makes sure the admin
 * token exists, clones the configured repositories, recovers runs a crash interrupted, starts the
 * runner pool and listens.
 */
/**
 * One server per data directory: two would both recover the same runs. A lock left by a server
 * that died (kill -9) names a process that is gone, so the next start takes it over.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, "server.pid");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let holder = 0;
  try {
    holder = Number(readFileSync(file, "utf8"));
  } catch {
    // no lock yet
  }
  if (holder && holder !== process.pid) {
    let alive = true;
    try {
      process.kill(holder, 0);
    } catch (err) {
      alive = (err as { code?: string }).code === "EPERM";
    }
    if (alive) throw new UsageError(`another gantry serve (pid ${holder}) is using ${dataDir}`);
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

/**
 * Only the server's user may enter its data directory; the database's files are its alone too
 * (they were made 0644 under a usual umask before).
 */
function keepPrivate(dataDir: string): void {
  chmodSync(dataDir, 0o700);
  for (const name of readdirSync(dataDir)) {
    if (name.startsWith("gantry.db")) chmodSync(join(dataDir, name), 0o600);
  }
}

export async function startServer(opts: StartServerOptions): Promise<GantryServer> {
  const dataDir = resolve(opts.dataDir);
  const unlock = lockDataDir(dataDir);
  const config = parseServerConfig(opts.config ?? {});
  const log = (message: string) => process.stderr.write(`gantry serve: ${message}\n`);
  // The server's child processes (git, the sandbox, the steps) start from a small helper process,
  // not from this one (src/spawner): each start copied this process's page tables on its event loop.
  startSpawnHelper();
  const isolation = jobIsolation(
    config.runners,
    { dataDir, configFile: opts.configFile, gantryHome: process.env.GANTRY_HOME },
    log,
  );
  let blobs: BlobStore | undefined;
  try {
    blobs = await openServerBlobs(opts.blobs, config.blobs, opts.configFile);
  } catch (err) {
    unlock();
    throw err;
  }
  if (blobs) log(`logs, artifacts and cache entries go to ${blobs.description}`);
  let location: StoreLocation = { kind: "sqlite", file: join(dataDir, "gantry.db") };
  let store: Store;
  // Several servers on one database: the runs' store is fenced while this server may have been
  // judged dead (write-fence.ts); the heartbeat itself (ServerPresence) uses the store as it is.
  let shared: { store: Store; fence: WriteFence } | undefined;
  try {
    const database = opts.database ?? config.database;
    if (database !== undefined) {
      location = parseStoreLocation(
        database,
        opts.database !== undefined ? "--database" : "the config's database",
      );
      if (location.kind !== "postgres")
        throw new Error(
          "--database takes a postgres:// URL; without it the server keeps SQLite under --data",
        );
    }
    store = await openStore(location);
    if (location.kind === "postgres") {
      shared = { store, fence: new WriteFence(DEAD_AFTER_MS - FENCE_MARGIN_MS) };
      store = fencedStore(store, shared.fence);
    }
  } catch (err) {
    unlock();
    throw new UsageError((err as Error).message);
  }
  if (location.kind === "postgres") log(`store: ${describeStoreLocation(location)}`);
  keepPrivate(dataDir);
  // Secrets at rest: a master key that does not open them stops the start, said plainly.
  let vault: SecretVault;
  try {
    vault = await SecretVault.open({ store, dataDir, log });
    // Hooks' secrets sealed under the key file of before (hook-secrets.key) move under the master key.
    const moved = await moveLegacyHookSecrets(store, vault, join(dataDir, "hook-secrets.key"));
    if (moved > 0) log(`moved ${moved} repository hook secret(s) under the master key`);
    if (opts.rotateMasterKey) await vault.rotateMasterKey(process.env, log);
  } catch (err) {
    await store.close();
    unlock();
    if (err instanceof MasterKeyError) throw new UsageError(`master key: ${err.message}`);
    throw err;
  }
  const clearText = Object.keys(config.secrets);
  if (clearText.length > 0)
    log(
      `warning: the config file holds ${clearText.length} secret(s) in clear text (${clearText.join(", ")}); move them into gantry's encrypted secrets (gantry secret set NAME --repo O/R, or --server-wide) and out of the file`,
    );
  // The audit trail's checkpoints are signed with this key, made at the first start (0600).
  let signingKey: SigningKey;
  try {
    signingKey = openSigningKey(join(dataDir, "audit-signing.key"));
  } catch (err) {
    await store.close();
    unlock();
    throw new UsageError((err as Error).message);
  }
  const audit = new ServerAudit(new AuditTrail(store, signingKey));
  const adminToken = await ensureAdminToken(store, opts.adminToken ?? process.env.GANTRY_ADMIN_TOKEN);
  const serial = new Serial();
  const clones = new RepoClones(join(dataDir, "repos"));
  // Sharing the database, a running job's log is sent as it grows: a peer may adopt the job.
  const fence = shared?.fence;
  const logs = new JobLogs(join(dataDir, "logs"), blobs, log, fence && { check: () => fence.check() });
  // What the last run of the server wrote and had not sent to the blob store goes now.
  logs.uploadLeftovers();
  // Wake-ups between this server's parts and, on PostgreSQL, its peers (signals.ts, pg-signals.ts);
  // live events travel through them to the peers' SSE streams. What must happen once across the
  // servers is the leader's (leadership.ts): on SQLite the one server always leads.
  let signals: Signals = new LocalSignals();
  let leadership: Leadership = new SoleLeadership();
  let locks: PgLocks | undefined;
  if (location.kind === "postgres") {
    const pgSignals = new PgSignals(location.url, log);
    await pgSignals.start();
    signals = pgSignals;
    const pgLeadership = new PgLeadership(location.url, log);
    await pgLeadership.start();
    leadership = pgLeadership;
    locks = new PgLocks(location.url, log);
    await locks.start();
  }
  const hub = new LiveHub(location.kind === "postgres" ? signals : undefined);
  // Several servers may share a PostgreSQL database: each has its row and heartbeat, records the
  // runs it drives, and the leader adopts a dead one's runs (server-presence.ts).
  let presence: ServerPresence | undefined;
  const adopt = (runId: number, from: string | null): Promise<unknown> => runs.adopt(runId, from);
  const processes = new ProcessLedger(join(dataDir, "process-groups"));
  const notes = new RunNotes(join(dataDir, "notes"));
  const pool = new RunnerPool(store, serial, {
    slots: config.runners.slots,
    labels: config.runners.labels ?? defaultLabels(),
    labelMap: { ...defaultLabelMap(), ...(config.runners.label_map ?? {}) },
    name: "gantry",
  });
  const actionStore = openActionStore(dataDir, process.env.GANTRY_ACTION_MIRROR);
  // Each job's GITHUB_TOKEN from its issue to its job's end: its services find it here as it starts.
  const issuedJobTokens = new IssuedJobTokens();
  const stores: ServerStores = {
    cache: blobs
      ? new BlobCacheStore({ blobs, tmpDir: join(dataDir, "cache", "tmp"), eviction: DEFAULT_EVICTION })
      : new FsCacheStore({ root: join(dataDir, "cache"), eviction: DEFAULT_EVICTION }),
    artifacts: blobs
      ? new BlobArtifactStore({ blobs })
      : new FsArtifactStore({ root: join(dataDir, "artifacts") }),
    // Uploads in progress stay on this server's disk; a finished one goes to the store.
    stagingDir: join(dataDir, "cache", "tmp"),
    tokenKey: vault.deriveKey("actions job tokens"),
    jobLife: jobTokenLife(store, Date.now, issuedJobTokens),
  };
  const services = opts.jobServices?.(stores);
  let url = "";
  // The jobs' OIDC issuer: its keys beside the data (0600), its URL the public one, else the listener's.
  const oidc = new OidcIssuer({
    store,
    issued: issuedJobTokens,
    keys: OidcKeys.open(join(dataDir, "oidc-keys.json"), { rotate: opts.rotateOidcKey }),
    issuer: () => config.public_url ?? url,
  });
  // download-artifact's run-id reaches only runs of the job's own repository.
  const runRepository = async (runId: string) => {
    const run = /^\d+$/.test(runId) ? await store.getRun(Number(runId)) : undefined;
    const repo = run ? await store.getRepoById(run.repoId) : undefined;
    return repo ? `${repo.owner}/${repo.name}` : undefined;
  };
  const actions = new ActionRunner(
    new BuiltInActions({ ...stores, runRepository, repositories: actionStore }),
    actionStore,
  );
  // A job's own ID token endpoint reaches the server where it listens, whatever its public URL.
  const jobServices = joinJobServices(
    services,
    oidcJobServices(oidc, () => url, log),
  );
  const labelMap = { ...defaultLabelMap(), ...(config.runners.label_map ?? {}) };
  // Jobs on runner machines (`gantry runner`): offered, claimed, followed, their leases swept.
  const remote = new RemoteJobs({
    store,
    serial,
    signals,
    specs: vault.jobSpecs(),
    labelMap,
    leaseSeconds: config.runners.lease_seconds,
    lostRetries: config.retries.lost_runner,
    services: jobServices,
    log,
  });
  const gateClock = gateClockFrom(process.env, log);
  if (shared) {
    presence = new ServerPresence({
      store: shared.store,
      leadership,
      adopt,
      judgedDead: () => {
        log("servers: this server was judged dead and its runs were adopted by another: it stops now");
        processes.endAll();
        opts.onJudgedDead?.();
      },
      fence: shared.fence,
      dataDir,
      log,
    });
  }
  const runs = new RunService({
    store,
    serial,
    clones,
    pool,
    logs,
    hub,
    signals,
    remote,
    dataDir,
    config,
    actions,
    services: jobServices,
    readRemoteFile: (owner, name, path, ref) => actionStore.readFile(owner, name, ref, path),
    baseUrl: () => url,
    processes,
    notes,
    isolation,
    vault,
    audit: audit.trail,
    gateClock,
    serverId: presence?.id,
    issuedJobTokens,
  });
  for (const r of config.repos) {
    const repo = await store.upsertRepo({
      owner: r.owner,
      name: r.name,
      url: r.url,
      defaultBranch: r.default_branch,
      pollIntervalSeconds: r.poll_interval_seconds,
      requiredChecks: r.required_checks,
      forkApproval: r.fork_approval,
    });
    // Its environments as the file declares them: one it cannot keep stops the start, said plainly.
    try {
      await applyDeclaredEnvironments(store, audit.trail, repo, r.environments ?? {});
    } catch (err) {
      if (!(err instanceof EnvironmentError)) throw err;
      // What the start opened goes with it: on PostgreSQL the connections of the signals, the
      // leadership and the locks would keep the process from exiting (`gantry serve` hung).
      hub.close();
      await leadership.close();
      await locks?.close();
      await signals.close();
      await store.close();
      unlock();
      throw new UsageError(`config: ${err.message}`);
    }
    try {
      await clones.sync(repo);
    } catch (err) {
      // An unreachable repository does not stop the server; the next fetch tries again.
      process.stderr.write(`gantry serve: ${repo.owner}/${repo.name}: ${(err as Error).message}\n`);
    }
  }
  const pulls = new PullService({
    store,
    clones,
    handleEvent: (repo, event) => runs.handleEvent(repo, event),
    log,
  });
  // An event's own runs, then the pull requests it moves (a push to a head branch: synchronize).
  // `files`: of these workflow files alone (a schedule tick a stopped server left half started).
  const handleEvent = async (repo: Repo, event: RepoEvent, files?: string[]): Promise<Run[]> => {
    const given = files
      ? (await clones.readWorkflows(repo, event.sha)).filter((w) => files.includes(w.file))
      : undefined;
    const own = await runs.handleEvent(repo, event, given).catch((err: Error) => err);
    const synced = await pulls.onRefEvent(repo, event);
    if (own instanceof Error) throw own;
    return [...own, ...synced];
  };
  // Repository hooks: deliveries kept in the store, pending ones sent again after a restart.
  const outgoing = new HookSender({
    store,
    hub,
    secrets: vault.hookSecrets(),
    policy: config.outgoing_webhooks,
    baseUrl: () => url,
    log,
  });
  const webDir = opts.webDir ?? fileURLToPath(new URL("web", import.meta.url));
  const context: ServerContext = {
    store,
    runs,
    pulls,
    clones,
    logs,
    hub,
    signals,
    remote,
    pool,
    config,
    audit,
    webDir,
    notes,
    artifacts: stores.artifacts,
    outgoing,
    vault,
    oidc,
    actionStore,
    actionsServices: services?.fetch?.bind(services),
  };
  const app = createApp(context);
  await runs.recover();
  // After recover (which ends what lost jobs left running), before any run is made here.
  await presence?.start();
  const triggerLocks = locks;
  // Pushes (polls, post-receive hooks), forge webhooks and schedules: src/triggers, wired here.
  // Polls and ticks are the leader's; a server taking the lead reads what the last one left.
  const triggers = new TriggerService({
    store,
    clones,
    handleEvent,
    log,
    leads: () => leadership.leading,
    shared: location.kind === "postgres",
    now: gateClock.now,
    exclusive: triggerLocks ? (key, fn) => triggerLocks.exclusive(key, fn) : undefined,
  });
  leadership.onChange((leading) => {
    if (leading) triggers.forget();
  });
  app.route(
    "/",
    hookRoutes({ store, triggers, secrets: hookSecrets(config.hooks), log, throttle: context.throttle }),
  );

  if (opts.triggers !== false) triggers.start();
  outgoing.start();
  // A runner machine gone silent is noticed when its lease runs out (a few times a lease), and
  // removed once silent past GitHub's limits; by the leader alone where several servers share
  // the database.
  const sweeper = setInterval(
    () => {
      if (!leadership.leading) return;
      void remote.sweepExpiredLeases().catch((err: Error) => log(`sweeping runner leases: ${err.message}`));
      void removeStaleRunners(store, audit, gateClock.now())
        .then((removed) => {
          if (removed.length === 0) return;
          remote.runnersChanged();
          log(`removed ${removed.length} runner(s) not heard from: ${removed.map((r) => r.name).join(", ")}`);
        })
        .catch((err: Error) => log(`removing silent runners: ${err.message}`));
    },
    Math.min(5000, (config.runners.lease_seconds * 1000) / 3),
  );
  sweeper.unref();
  // Pushed workflows are parsed in a worker thread (pushed-workflows.ts): start it now.
  startParsingWorkflows(log);

  let close = async () => {};
  if (opts.listen !== false) {
    const host = opts.host ?? "127.0.0.1";
    const server = await new Promise<ReturnType<typeof serve>>((resolvePromise, reject) => {
      const s = serve({ fetch: app.fetch, port: opts.port ?? 8080, hostname: host }, () => resolvePromise(s));
      s.once("error", reject);
    });
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : opts.port;
    url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    presence?.setUrl(url);
    close = () =>
      new Promise<void>((r) => {
        server.close(() => r());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
  }

  // The start says what became of the bootstrap admin token (a new credential when it was made or
  // replaced through GANTRY_ADMIN_TOKEN; never its value): kept, generated or replaced, as bootstrap_admin.
  await audit.system("server.start", {
    details: { url: url || null, data_dir: dataDir, bootstrap_admin: adminToken.change },
  });
  // A rotation of the master key at this start (--rotate-master-key): the keys' ids, never a key.
  if (vault.rotation) await audit.system("secrets.rotate_master_key", { details: vault.rotation });
  if (opts.config !== undefined) {
    await audit.system("config.load", {
      details: {
        file: opts.configFile ?? null,
        repos: config.repos.map((r) => `${r.owner}/${r.name}`),
        // Names only: the values never reach the trail.
        secret_names: Object.keys(config.secrets),
        variable_names: Object.keys(config.vars),
      },
    });
  }
  audit.trail.startCheckpoints(config.audit.checkpoint_seconds, (err) =>
    log(`audit trail: could not sign a checkpoint: ${err.message}`),
  );
  // The last entry of a stop, and a checkpoint over it, as CloudTrail signs a digest at the end.
  const auditStop = async (how: "drain" | "close") => {
    audit.trail.stopCheckpoints();
    try {
      await audit.system("server.stop", { details: { how } });
      await audit.trail.checkpoint();
    } catch (err) {
      log(`audit trail: could not record the stop: ${(err as Error).message}`);
    }
  };

  // Out of the servers sharing the database: the row goes (the leader adopts what is left
  // unfinished), the lead passes on, the peers are heard no more.
  const stopSharing = async () => {
    await presence?.stop();
    await leadership.close();
    await locks?.close();
    hub.close();
    await signals.close();
  };

  return {
    url,
    app,
    store,
    context,
    generatedAdminToken: adminToken.change === "generated" ? adminToken.token : undefined,
    triggers,
    async handleEvent(repo, event) {
      const found =
        typeof repo === "string" ? await store.getRepo(...(repo.split("/", 2) as [string, string])) : repo;
      if (!found) throw new Error(`no repository ${String(repo)} on this server`);
      return handleEvent(found, event);
    },
    whenIdle: () => runs.whenIdle(),
    runningJobs: () => pool.running,
    async drain(timeoutMs) {
      clearInterval(sweeper);
      await triggers.stop();
      // Resolves once the running jobs ended and their completion reached the store.
      const finished = await pool.drain(timeoutMs);
      await runs.stopEvents();
      await outgoing.stop();
      await serial.idle();
      serial.seal();
      if (!finished) processes.endAll();
      await close();
      await pushedWorkflows.close();
      await remote.stop();
      await services?.close();
      logs.closeAll();
      await logs.flush();
      await auditStop("drain");
      await stopSharing();
      await store.close();
      unlock();
      return finished;
    },
    async close() {
      clearInterval(sweeper);
      await triggers.stop();
      pool.stop();
      await close();
      await runs.stopAll();
      await outgoing.stop();
      await pushedWorkflows.close();
      await remote.stop();
      await services?.close();
      await serial.idle();
      logs.closeAll();
      await logs.flush();
      await auditStop("close");
      await stopSharing();
      await store.close();
      unlock();
    },
  };
}

/**
 * The blob store `--blobs` (else the config's `blobs:`) names, checked at start: a URL that is not
 * one, or a store that cannot be read (no such bucket, no access), stops the start, said plainly.
 */
async function openServerBlobs(
  flag: string | undefined,
  fromConfig: string | undefined,
  configFile: string | undefined,
): Promise<BlobStore | undefined> {
  const url = flag ?? fromConfig;
  if (url === undefined) return undefined;
  const source = flag !== undefined ? "--blobs" : `${configFile ?? "config"}: blobs`;
  const at = parseBlobUrl(url);
  if (typeof at === "string") throw new UsageError(`${source}: ${at}`);
  const blobs = await openBlobStore(at);
  try {
    await blobs.list("logs/");
  } catch (err) {
    throw new UsageError(`${source}: cannot read ${blobs.description}: ${(err as Error).message}`);
  }
  return blobs;
}
