import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** A throwaway PostgreSQL cluster on loopback, made for one test file. */
export interface TestPostgres {
  /** The server's version, as `postgres --version` says it. */
  version: string;
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/NAME of a database of this cluster. */
  url(database: string): string;
  /** A new empty database: its URL. */
  createDatabase(): Promise<string>;
  /** The password of the cluster's superuser (tests check it reaches no log). */
  password: string;
  /** What postgres wrote to stdout and stderr since it started (its log, e.g. logged statements). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Where Debian's postgresql package keeps initdb and postgres (/usr/lib/postgresql/NN/bin, not on
 * PATH): the newest version there, else the directory of an initdb on PATH.
 */
export function findPostgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0], "bin");
  }
  try {
    const found = execFileSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).trim();
    return found ? join(found, "..") : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the PostgreSQL tests must run: in CI (CI or GANTRY_REQUIRE_POSTGRES set) a missing
 * PostgreSQL fails them; elsewhere they are skipped, said loudly on stderr.
 */
export function postgresAvailable(what: string): boolean {
  if (findPostgresBin()) return true;
  const required = Boolean(process.env.CI || process.env.GANTRY_REQUIRE_POSTGRES);
  const message = `PostgreSQL (initdb, postgres) is not installed: ${what} cannot run. Install Debian's postgresql package (apt-get install postgresql); .ci/run does.`;
  if (required) throw new Error(message);
  process.stderr.write(`\n!!! SKIPPED: ${message}\n\n`);
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/**
 * Starts a cluster in a temp dir: initdb, then postgres on 127.0.0.1 (a free port) with its
 * socket in the same dir, password auth for TCP. initdb and postgres refuse to run as root: as
 * root (CI) they run as `nobody` through setpriv, with the temp dir given to that user.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL is not installed (no initdb found)");
  const dir = mkdtempSync(join(tmpdir(), "gantry-pg-"));
  const data = join(dir, "data");
  const password = randomBytes(12).toString("hex");
  const user = "gantry";
  const root = process.getuid?.() === 0;
  const nobody = root
    ? {
        uid: Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" })),
        gid: Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" })),
      }
    : undefined;
  const run = (command: string, args: string[]) =>
    nobody
      ? {
          command: "setpriv",
          args: [
            "--reuid",
            String(nobody.uid),
            "--regid",
            String(nobody.gid),
            "--clear-groups",
            "--",
            command,
            ...args,
          ],
        }
      : { command, args };
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (nobody) {
    chownSync(dir, nobody.uid, nobody.gid);
    chownSync(pwfile, nobody.uid, nobody.gid);
  }
  const init = run(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    user,
    `--pwfile=${pwfile}`,
    "--auth-host=scram-sha-256",
    "--auth-local=trust",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  execFileSync(init.command, init.args, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  rmSync(pwfile);
  const version = execFileSync(join(bin, "postgres"), ["--version"], { encoding: "utf8" }).trim();
  const port = await freePort();
  const start = run(join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${dir}`,
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
  ]);
  let output = "";
  const server: ChildProcess = spawn(start.command, start.args, {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: dir,
  });
  server.stdout?.on("data", (d) => {
    output += d;
  });
  server.stderr?.on("data", (d) => {
    output += d;
  });
  let exited = false;
  server.once("exit", () => {
    exited = true;
  });
  const killOnExit = () => server.kill("SIGKILL");
  process.once("exit", killOnExit);
  const url = (database: string) =>
    `postgres://${user}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  // Ready once it takes a connection.
  for (let attempt = 0; ; attempt++) {
    if (exited) throw new Error(`postgres exited at start:\n${output}`);
    const client = new pg.Client({ connectionString: url("postgres") });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (err) {
      await client.end().catch(() => {});
      if (attempt > 600) throw new Error(`postgres did not start: ${(err as Error).message}\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let count = 0;
  const admin = new pg.Client({ connectionString: url("postgres") });
  await admin.connect();
  return {
    version,
    password,
    url,
    output: () => output,
    async createDatabase() {
      const name = `gantry_${++count}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return url(name);
    },
    async stop() {
      await admin.end().catch(() => {});
      process.off("exit", killOnExit);
      if (!exited) {
        // SIGINT: PostgreSQL's fast shutdown (sessions ended, then out).
        const gone = new Promise((r) => server.once("exit", r));
        server.kill("SIGINT");
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
