import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_EVICTION } from "../cache/index.js";
import { loadServerConfig, startServer } from "../server/index.js";
import { UsageError } from "../workflow/index.js";
import { ActionsServer } from "./actions-server.js";
import { gantryHome, maxArtifactSize } from "./run-workflows.js";

export const SERVE_HELP = `Usage: gantry serve [--data DIR] [--port N] [--host ADDR] [--config FILE]

Runs gantry's CI server: a REST API under /api/v1 (GitHub's shapes; /api/v1/openapi.json), an
embedded SQLite store, clones of the repositories, an embedded runner pool, live logs.

  --data DIR      where everything is kept (default: $GANTRY_HOME/server)
  --port N        port to listen on (default 8080; 0 picks a free one)
  --host ADDR     address to listen on (default 127.0.0.1)
  --config FILE   YAML: repos, runners (slots, labels, label_map), retries, secrets, vars, hooks
                  (webhook secrets: github_secret, gitea_secret, gitlab_token, git_token)

The admin token is GANTRY_ADMIN_TOKEN, else one generated at the first start and printed once.
`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      config: { type: "string" },
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
  const config = values.config ? loadServerConfig(resolve(values.config)) : undefined;
  const server = await startServer({
    dataDir: resolve(values.data ?? resolve(gantryHome(), "server")),
    port,
    host: values.host,
    config,
    // Jobs reach the Actions cache and artifact services as on GitHub (@actions/cache, @actions/artifact).
    jobServices: ({ cache, artifacts, stagingDir }) =>
      new ActionsServer({
        cache,
        artifacts,
        stagingDir,
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
  // A stop leaves running jobs as a crash would: the next start recovers them.
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  process.exit(0);
}
