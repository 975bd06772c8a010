// The real `gantry serve` for end-to-end tests: started as a child process on a free loopback
// port, spoken to through its HTTP API, stopped (SIGKILL) after each test with what its steps
// left running.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve as resolvePath } from "node:path";
import { afterAll, afterEach } from "vitest";
import { type KyselyStore, openPostgresStore, openSqliteStore } from "../src/store/index.js";
import type { ServerStore } from "./db-query.js";
import { BIN } from "./harness.js";
import { startPostgres, type TestPostgres } from "./postgres.js";

export interface Serve {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** The PostgreSQL URL the server keeps its state in; undefined when it is SQLite under --data. */
  database?: string;
}

export interface ApiAnswer {
  status: number;
  text: string;
  // any: each endpoint answers its own shape; a test reads what it checks.
  json: any;
}

const started: ChildProcess[] = [];
const startedForFile: ChildProcess[] = [];
const groups: number[] = [];

function kill(procs: ChildProcess[]): void {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}

afterEach(() => {
  kill(started);
  for (const pid of groups.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** Kills this process group after the test (a step a killed server left running). */
export function killAfterTest(pid: number): void {
  groups.push(pid);
}

// GANTRY_TEST_POSTGRES=1 runs every server of the end-to-end tests on PostgreSQL: a throwaway
// cluster per test file (test/postgres.ts), one database per data directory, so that a restart on
// the same --data finds its state again. Tests that name a database themselves keep theirs, and one
// given DATABASE_URL "" (the server's "unset") keeps SQLite.
let cluster: Promise<TestPostgres> | undefined;
const databases = new Map<string, string>();

afterAll(async () => {
  kill(startedForFile);
  const stopping = cluster;
  cluster = undefined;
  databases.clear();
  if (stopping) await (await stopping).stop();
});

/**
 * With GANTRY_TEST_POSTGRES=1, the PostgreSQL database of the data directory `data` (made at its
 * first ask, the same after; without `data` a new one), else undefined: SQLite under it. For a
 * server a test starts in-process (startServer's `database`); serve() asks it itself.
 */
export async function testDatabase(data?: string): Promise<string | undefined> {
  if (!process.env.GANTRY_TEST_POSTGRES) return undefined;
  cluster ??= startPostgres();
  const postgres = await cluster;
  const key = data === undefined ? undefined : resolvePath(data);
  let url = key ? databases.get(key) : undefined;
  if (!url) {
    url = await postgres.createDatabase();
    if (key) databases.set(key, url);
  }
  return url;
}

/** A test keeps its server on SQLite under the switch by giving it `DATABASE_URL: ""`. */
async function databaseFor(args: string[], env: Record<string, string>): Promise<Record<string, string>> {
  if (args.includes("--database") || env.DATABASE_URL !== undefined) return {};
  const data = args.indexOf("--data");
  const url = await testDatabase(data >= 0 ? args[data + 1] : undefined);
  return url ? { DATABASE_URL: url } : {};
}

/**
 * Starts `gantry serve --port 0 ARGS` with its own GANTRY_HOME (unless `env` names one); resolves
 * once it says where it listens, rejects with its stderr when it exits first. It is killed after
 * the test, or with `lifetime: "file"` after the test file (a server a `beforeAll` starts for all
 * the file's tests).
 */
export async function serve(
  args: string[],
  env: Record<string, string> = {},
  { lifetime = "test" }: { lifetime?: "test" | "file" } = {},
): Promise<Serve> {
  const chosen = await databaseFor(args, env);
  const named = args.indexOf("--database");
  const given =
    named >= 0 ? args[named + 1] : (env.DATABASE_URL ?? chosen.DATABASE_URL ?? process.env.DATABASE_URL);
  const database = given && /^postgres(ql)?:\/\//i.test(given) ? given : undefined;
  const proc = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], {
    env: { ...process.env, GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")), ...chosen, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  (lifetime === "file" ? startedForFile : started).push(proc);
  let out = "";
  let err = "";
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1], stdout: () => out, stderr: () => err, database });
    });
    proc.stderr?.on("data", (c) => {
      err += c;
    });
    proc.on("exit", (code) => reject(new Error(`gantry serve exited (${code}): ${err}`)));
  });
}

/** A server with this config file and a fresh data directory; `data` is where it keeps things. */
export async function serveWithConfig(
  config: string,
  token: string,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<Serve & { data: string; args: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-serve-"));
  writeFileSync(join(dir, "config.yml"), config);
  const args = ["--data", join(dir, "data"), "--config", join(dir, "config.yml")];
  const s = await serve([...args, ...extraArgs], { GANTRY_ADMIN_TOKEN: token, ...env });
  return { ...s, data: join(dir, "data"), args };
}

/**
 * The server's own store, opened beside it to write what the API cannot (a runner machine's row, as
 * registering through the runner protocol would); test/db-query.ts only reads.
 */
export function openServerStore(s: ServerStore): Promise<KyselyStore> {
  return s.database ? openPostgresStore(s.database) : openSqliteStore(join(s.data, "gantry.db"));
}

/** One API call with the bearer token; the answer's JSON when it is JSON. */
export async function api(
  s: Pick<Serve, "url">,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`${s.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const isJson = res.headers.get("content-type")?.includes("application/json");
  return { status: res.status, text, json: isJson ? JSON.parse(text) : undefined };
}

/** Asks again until `check` holds (each answer is a real call; the test's timeout bounds it). */
export async function until<T>(ask: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await ask();
    if (check(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the server has said `text` on its stderr: a line comes through a pipe, so it may be
 * read after the HTTP answer or the exit event that followed it.
 */
export async function untilSaid(s: { stderr: () => string }, text: string): Promise<void> {
  await until(
    async () => s.stderr(),
    (said) => said.includes(text),
  );
}

/** Every file under `dir` (one removed while it is listed is skipped). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => {
      try {
        return lstatSync(f).isFile();
      } catch {
        return false;
      }
    });
}

/**
 * Waits until the jobs' folders under the data directory `data` are gone: a run's folder goes
 * shortly after the run ends (moved to work-trash, deleted there once runs stop ending).
 */
export async function untilJobFoldersGone(data: string): Promise<void> {
  const left = (dir: string) => {
    try {
      return filesUnder(dir).length;
    } catch (err) {
      // Gone, or a folder of it removed while it was walked: look again.
      return (err as NodeJS.ErrnoException).code === "ENOENT" && !existsSync(dir) ? 0 : -1;
    }
  };
  await until(
    async () => [left(join(data, "work")), left(join(data, "work-trash"))],
    (n) => n[0] === 0 && n[1] === 0,
  );
}

/**
 * Dispatches `file` of acme/app on main and returns the run's id, and a wait for one attempt of it
 * to complete (the run's API answer then).
 */
export async function dispatchRun(
  s: Pick<Serve, "url">,
  token: string,
  file: string,
): Promise<{ id: number; done: (attempt: number) => Promise<ApiAnswer> }> {
  const answer = await api(s, token, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  });
  const id = answer.json.workflow_run_id as number;
  const done = (attempt: number) =>
    until(
      () => api(s, token, "GET", `/repos/acme/app/actions/runs/${id}`),
      (r) => r.json.run_attempt === attempt && r.json.status === "completed",
    );
  return { id, done };
}

/** Resolves when the process has exited, with its exit code. */
export function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
    else proc.on("exit", () => resolve(proc.exitCode));
  });
}
