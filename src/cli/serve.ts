import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_EVICTION } from "../cache/index.js";
import { loadServerConfig, startServer } from "../server/index.js";
import { isPostgresUrl, redactDatabaseUrl } from "../store/index.js";
import { UsageError } from "../workflow/index.js";
import { ActionsServer } from "./actions-server.js";
import { boundHeapGrowth } from "./heap-growth.js";
import { gantryHome, maxArtifactSize } from "./run-workflows.js";

export const SERVE_HELP = `Usage: gantry serve [--data DIR] [--port N] [--host ADDR] [--config FILE] [--database URL]
                   [--blobs URL] [--drain-timeout S] [--rotate-oidc-key] [--rotate-master-key]

Runs gantry's CI server: a REST API under /api/v1 (GitHub's shapes; /api/v1/openapi.json), an
embedded SQLite store (or PostgreSQL), clones of the repositories, an embedded runner pool, live
logs.

  --data DIR      where everything is kept (default: $GANTRY_HOME/server)
  --database URL  keep the server's state (runs, jobs, users, tokens, secrets, audit trail) in
                  PostgreSQL: postgres://USER:PASSWORD@HOST:PORT/DATABASE; else DATABASE_URL,
                  else the config's database:, else SQLite in DATA/gantry.db (a password is
                  safer in DATABASE_URL or ~/.pgpass: ps shows a command line). Clones and
                  keys stay under --data (logs, caches and artifacts too, unless --blobs).
                  The schema is made and upgraded at start. Move a SQLite server's history with
                  gantry migrate --from sqlite:DATA --to postgres://…
                  Several servers may share one database (each its own --data; the same
                  --blobs, config and GANTRY_MASTER_KEY): any serves the API, one leads
                  (polls, schedules), and a dead one's runs are adopted by another.
  --port N        port to listen on (default 8080; 0 picks a free one)
  --host ADDR     address to listen on (default 127.0.0.1)
  --config FILE   YAML: database, blobs, repos, runners (slots, labels, label_map), retries, secrets, vars, hooks
                  (webhook secrets: github_secret, gitea_secret, gitlab_token, git_token),
                  repo_url_schemes (default [https, ssh]; add file for local paths), limits
                  (api_body_bytes, webhook_body_bytes, auth_failures_per_minute), audit
                  (checkpoint_seconds), public_url (the URL the world reaches the server at:
                  the issuer of the jobs' OIDC tokens); a repo's environments (by name: GitHub's
                  environment body plus branch_policies [{name, type: branch|tag}]), made so at
                  each start
  --blobs URL     where job logs, artifacts and cache entries are kept (or blobs: in the config),
                  for servers that share them: file:///DIR (a directory, local or a shared
                  mount) or s3://BUCKET[/PREFIX]?endpoint=URL&region=R (S3 or an S3-compatible
                  server; path_style=false for virtual-hosted buckets). S3 credentials come from
                  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an AWS profile), never the URL.
                  Default: under --data. A running job's log grows on --data and goes to the
                  store when the job ends.
  --drain-timeout S  on SIGTERM or Ctrl-C, how long running jobs may take to finish (default
                  60); no new job starts meanwhile, and queued runs go on at the next start.
                  Jobs still running then are stopped and recovered as lost; a second signal
                  stops at once.
  --rotate-oidc-key  sign the jobs' OIDC ID tokens with a new key from this start on; the previous
                  key stays in /.well-known/jwks until the tokens it signed have expired (5 min)
  --rotate-master-key  re-encrypt every secret under a new master key, then serve: the new key
                  is GANTRY_NEW_MASTER_KEY when set (then set GANTRY_MASTER_KEY to it for the
                  next start), else a new random one written to DATA/master.key

The admin token is GANTRY_ADMIN_TOKEN, else one generated at the first start and printed once.
It belongs to the site admin \`admin\`, who makes users and their tokens (gantry users add LOGIN,
gantry tokens create --user LOGIN --note N); tokens are kept only as hashes, and a revoked or
expired token, or a suspended user's, is refused at once.

Secrets (gantry secret, GitHub's sealed-box API) are kept encrypted (AES-256-GCM) under the master
key: GANTRY_MASTER_KEY (32 bytes, base64 or hex: openssl rand -base64 32), else DATA/master.key,
made (0600) at the first start. Keep a copy of it: without it the secrets are lost, and a key that
does not open them stops the server at start. Secrets written in the config file are clear text:
the server warns of them at start.

Every change a person or a token makes is in the audit trail (GET /api/v1/audit-log, site
admins): each entry carries the SHA-256 of the one before, and the server signs a checkpoint
(Ed25519, with audit-signing.key made beside the data, 0600) every audit.checkpoint_seconds of
the config (default 300) when entries came, at each stop and at each export. Its public key is
GET /api/v1/audit-log/public-key; gantry audit export > audit.jsonl and gantry audit verify
audit.jsonl --public-key KEY check that nothing was edited, removed, inserted or reordered.

Each job gets its own GITHUB_TOKEN (secrets.GITHUB_TOKEN, github.token) for this server's API
(GITHUB_API_URL): its repository only, with the rights of its workflow's permissions: (read-only
contents and metadata without any; read-only for a fork's pull request), refused once the job
ends. The config's secrets.GITHUB_TOKEN replaces it (never for a fork's pull request).

Roles on repositories are GitHub's (PUT /api/v1/repos/O/R/collaborators/LOGIN {"permission": …}):
read sees runs, jobs, logs, artifacts, workflows; triage as read; write also dispatches, cancels,
re-runs and opens pull requests; maintain also changes the repository's settings; admin also
manages collaborators, secrets, variables and webhooks and removes the repository. Site admins
may do everything and alone add repositories. A repository one may not read answers 404, as one
that does not exist.

The server is an OpenID Connect issuer for its jobs (GET /.well-known/openid-configuration and
/.well-known/jwks, public; the issuer is public_url): a job whose permissions: grant id-token: write
gets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, and @actions/core's
getIDToken() works as on GitHub (RS256, GitHub's claims and sub, 5 minutes; the key, made at the
first start as oidc-keys.json beside the data, 0600, never reaches a job).
`;

/** --database, else DATABASE_URL (an empty one is unset); the config's database: comes after both. */
function databaseUrl(flag: string | undefined): string | undefined {
  if (flag !== undefined) return flag;
  const env = process.env.DATABASE_URL;
  if (!env) return undefined;
  if (!isPostgresUrl(env))
    throw new UsageError(
      `DATABASE_URL must be a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL, got ${redactDatabaseUrl(env)} (unset it to keep SQLite under --data)`,
    );
  return env;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      config: { type: "string" },
      database: { type: "string" },
      blobs: { type: "string" },
      "drain-timeout": { type: "string" },
      "rotate-oidc-key": { type: "boolean" },
      "rotate-master-key": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port expects a port number (0 to 65535), got '${values.port}'`);
  }
  const drainSeconds = values["drain-timeout"] === undefined ? 60 : Number(values["drain-timeout"]);
  if (!Number.isFinite(drainSeconds) || drainSeconds < 0) {
    throw new UsageError(`--drain-timeout expects seconds (0 or more), got '${values["drain-timeout"]}'`);
  }
  const configFile = values.config ? resolve(values.config) : undefined;
  const config = configFile ? loadServerConfig(configFile) : undefined;
  // What the server writes (its database, logs, clones) is its user's alone: files 0600, folders 0700.
  // Jobs run as another user (runners.user) must read the tool cache and the action store's
  // checkouts: the data directory (0700) and the database (0600) stay closed all the same.
  process.umask(config?.runners.user ? 0o022 : 0o077);
  boundHeapGrowth();
  const server = await startServer({
    configFile,
    blobs: values.blobs,
    dataDir: resolve(values.data ?? resolve(gantryHome(), "server")),
    database: databaseUrl(values.database),
    port,
    host: values.host,
    config,
    rotateOidcKey: values["rotate-oidc-key"] === true,
    rotateMasterKey: values["rotate-master-key"],
    // Judged dead by the other servers (a long pause): its store is fenced already; exit so that
    // its supervisor (systemd's Restart=on-failure) starts it again as a new server.
    onJudgedDead: () => process.exit(75),
    // Jobs reach the Actions cache and artifact services as on GitHub (@actions/cache, @actions/artifact).
    // Runners on other machines reach them on the main listener (/_services/actions/), with tokens any
    // server of the database accepts (tokenKey: derived from the master key).
    jobServices: ({ cache, artifacts, stagingDir, tokenKey, jobLife }) =>
      new ActionsServer({
        cache,
        artifacts,
        stagingDir,
        tokenKey,
        jobLife,
        maxCacheEntrySize: DEFAULT_EVICTION.maxSize,
        maxArtifactSize: maxArtifactSize(),
      }),
  });
  if (server.generatedAdminToken) {
    process.stdout.write(
      `Admin token (shown this once; only its hash is kept): ${server.generatedAdminToken}\n`,
    );
  }
  process.stdout.write(`gantry serve: listening on ${server.url}\n`);
  // The server outlives any one failure: it is said on stderr, and the failed run is recorded.
  process.on("unhandledRejection", (err) => {
    process.stderr.write(
      `gantry serve: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  });
  // The first signal drains: running jobs finish, nothing new starts. A second one stops at once,
  // leaving the running jobs as a crash would (the next start recovers them).
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  const stopNow = () => {
    process.stderr.write("gantry serve: stopping now; the next start recovers the running jobs\n");
    process.exit(1);
  };
  process.once("SIGINT", stopNow);
  process.once("SIGTERM", stopNow);
  const running = server.runningJobs();
  process.stderr.write(
    `gantry serve: ${signal}: draining: ${running} running job(s) may finish within ${drainSeconds} s; no new job starts\n`,
  );
  const finished = await server.drain(drainSeconds * 1000);
  process.stderr.write(
    finished
      ? "gantry serve: drained; stopped\n"
      : `gantry serve: jobs still running after ${drainSeconds} s were stopped; the next start recovers them\n`,
  );
  process.exit(0);
}
