import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { lockDataDir } from "../server/index.js";
import {
  copySqliteToPostgres,
  parseStoreLocation,
  redactDatabaseUrl,
  TargetNotEmptyError,
} from "../store/index.js";
import { UsageError } from "../workflow/index.js";

export const MIGRATE_HELP = `Usage: gantry migrate --from sqlite:DATA --to postgres://USER:PASSWORD@HOST:PORT/DATABASE

Moves a gantry server's whole history from its SQLite store to PostgreSQL: every table (runs,
jobs, steps, repositories, pull requests, users, tokens, roles, secrets and variables (still
encrypted), webhooks and their deliveries, environments, the audit trail and its checkpoints),
with the same ids, in one transaction. Both are brought to the latest schema first.

  --from sqlite:DATA  the server's data directory (its gantry.db), or a gantry.db file
  --to URL            an empty PostgreSQL database (a database that holds any row is refused)

Stop the server first (a running server on DATA is refused). Then start it on PostgreSQL with
the same data directory, which keeps the logs, clones, caches, artifacts and keys:
  gantry serve --data DATA --database postgres://…
DATA/gantry.db is left as it was.
`;

export async function migrateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(MIGRATE_HELP);
    return 0;
  }
  if (!values.from || !values.to)
    throw new UsageError(`gantry migrate needs --from and --to\n\n${MIGRATE_HELP}`);
  const location = (url: string, what: string) => {
    try {
      return parseStoreLocation(url, what);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  const from = location(values.from, "--from");
  const to = location(values.to, "--to");
  if (from.kind !== "sqlite") throw new UsageError("--from takes sqlite:DATA (a server's data directory)");
  if (to.kind !== "postgres") throw new UsageError("--to takes a postgres:// URL");
  const path = resolve(from.file);
  if (!existsSync(path)) throw new UsageError(`--from: ${path} does not exist`);
  const isDir = statSync(path).isDirectory();
  const file = isDir ? join(path, "gantry.db") : path;
  if (!existsSync(file)) throw new UsageError(`--from: there is no gantry database at ${file}`);
  // A server writing while we copy would lose what it wrote after: hold its lock meanwhile.
  const unlock = isDir ? lockDataDir(path) : () => {};
  try {
    process.stderr.write(`gantry migrate: ${file} → ${redactDatabaseUrl(to.url)}\n`);
    const report = await copySqliteToPostgres(file, to.url, (table, rows) =>
      process.stderr.write(`  ${table}: ${rows} row(s)\n`),
    );
    const rows = report.tables.reduce((n, t) => n + t.rows, 0);
    process.stdout.write(
      `Copied ${rows} row(s) of ${report.tables.length} table(s). Start the server on PostgreSQL with:\n  gantry serve --data ${isDir ? path : "DATA"} --database ${redactDatabaseUrl(to.url)}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof TargetNotEmptyError) throw new UsageError(err.message);
    if (err instanceof Error && /^cannot reach PostgreSQL/.test(err.message))
      throw new UsageError(err.message);
    throw err;
  } finally {
    unlock();
  }
}
