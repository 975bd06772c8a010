import { type ChildProcess, fork, spawn as nodeSpawn } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { existsSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { FromHelper, StdioSpec, ToHelper } from "./messages.js";

/** What callers use of a child process; Node's ChildProcess is one, a child of the spawn helper another. */
export interface LaunchedProcess extends EventEmitter {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: ReadonlyArray<Readable | Writable | null | undefined>;
  kill(signal?: NodeJS.Signals | number): boolean;
  ref(): void;
  unref(): void;
}

/** The options of spawnProcess: Node's spawn options that gantry uses. */
export interface LaunchOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  detached?: boolean;
  /** "pipe", "ignore", or a descriptor of this process (passed to the child at that position). */
  stdio?: "pipe" | "ignore" | Array<"pipe" | "ignore" | number>;
}

/**
 * A child of the spawn helper, seen from the server: the same events, streams and kill as Node's
 * ChildProcess (its pid once `spawn` is emitted).
 */
class HelperChild extends EventEmitter implements LaunchedProcess {
  pid: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: Array<Readable | Writable | null>;
  private readonly readables = new Map<number, Readable>();
  private referenced = true;
  private ended = false;

  constructor(
    private readonly helper: SpawnHelper,
    readonly id: number,
    stdio: StdioSpec[],
  ) {
    super();
    this.stdio = stdio.map((s, fd) => {
      if (s !== "pipe") return null;
      if (fd === 0) {
        return new Writable({
          write: (chunk: Buffer, _enc, done) => {
            helper.send({ t: "stdin", id, chunk });
            done();
          },
          final: (done) => {
            helper.send({ t: "stdin-end", id });
            done();
          },
          destroy: (err, done) => {
            helper.send({ t: "stdin-end", id });
            done(err);
          },
        });
      }
      const stream = new Readable({ read() {} });
      this.readables.set(fd, stream);
      return stream;
    });
    this.stdin = (this.stdio[0] as Writable | null) ?? null;
    this.stdout = (this.stdio[1] as Readable | null) ?? null;
    this.stderr = (this.stdio[2] as Readable | null) ?? null;
  }

  kill(signal: NodeJS.Signals | number = "SIGTERM"): boolean {
    this.helper.send({ t: "kill", id: this.id, signal });
    return true;
  }

  ref(): void {
    if (!this.referenced) this.helper.refer(1);
    this.referenced = true;
  }

  unref(): void {
    if (this.referenced) this.helper.refer(-1);
    this.referenced = false;
  }

  /** A message of the helper about this child. */
  receive(m: FromHelper): void {
    switch (m.t) {
      case "spawned":
        this.pid = m.pid;
        this.emit("spawn");
        break;
      case "error":
        this.emit("error", Object.assign(new Error(m.error.message), m.error));
        break;
      case "data":
        this.readables.get(m.fd)?.push(Buffer.from(m.chunk));
        break;
      case "end":
        this.readables.get(m.fd)?.push(null);
        break;
      case "exit":
        this.emit("exit", m.code, m.signal);
        break;
      case "close":
        this.closed(m.code, m.signal);
        break;
    }
  }

  /** Gone: its streams end, then `close` (after the data a reader has not had yet). */
  closed(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ended) return;
    this.ended = true;
    this.helper.forget(this);
    const reading: Promise<unknown>[] = [];
    for (const stream of this.readables.values()) {
      if (!stream.readableEnded && stream.readableFlowing)
        reading.push(once(stream, "end").catch(() => undefined));
      if (!stream.readableEnded) stream.push(null);
    }
    void Promise.all(reading).then(() => setImmediate(() => this.emit("close", code, signal)));
  }
}

/** The helper process and the children it started for this one. */
class SpawnHelper {
  private readonly children = new Map<number, HelperChild>();
  private nextId = 1;
  private referenced = 0;
  private gone = false;

  constructor(private readonly process: ChildProcess) {
    process.on("message", (m: FromHelper) => this.children.get(m.id)?.receive(m));
    process.on("exit", () => {
      this.gone = true;
      // What it was running is lost to this process: each child ends as a failed start would.
      for (const child of [...this.children.values()]) {
        child.emit("error", new Error("the spawn helper process exited"));
        child.closed(null, null);
      }
    });
    process.on("error", () => undefined);
    this.process.unref();
    this.channel()?.unref();
  }

  get alive(): boolean {
    return !this.gone && this.process.connected;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  private channel(): { ref(): void; unref(): void } | undefined {
    return (this.process as unknown as { channel?: { ref(): void; unref(): void } }).channel;
  }

  send(message: ToHelper): void {
    if (this.alive) this.process.send(message);
  }

  /** While a child it started is referenced, the helper's channel keeps this process's event loop alive. */
  refer(delta: number): void {
    const before = this.referenced;
    this.referenced += delta;
    if (before === 0 && this.referenced > 0) this.channel()?.ref();
    if (before > 0 && this.referenced === 0) this.channel()?.unref();
  }

  start(command: string, args: string[], options: LaunchOptions): HelperChild {
    const id = this.nextId++;
    const given = options.stdio ?? "pipe";
    const list = typeof given === "string" ? [given, given, given] : given;
    const stdio: StdioSpec[] = list.map((s) =>
      typeof s === "number" ? { path: `/proc/${globalThis.process.pid}/fd/${s}` } : s,
    );
    const child = new HelperChild(this, id, stdio);
    this.children.set(id, child);
    this.refer(1);
    this.send({
      t: "spawn",
      id,
      command,
      args,
      cwd: options.cwd ?? globalThis.process.cwd(),
      env: { ...(options.env ?? globalThis.process.env) },
      detached: options.detached,
      stdio,
    });
    return child;
  }

  forget(child: HelperChild): void {
    if (!this.children.delete(child.id)) return;
    child.unref();
  }
}

let helper: SpawnHelper | undefined;

/** Where the bundled helper is: beside the bundle (dist/spawn-helper.js); absent when running from sources. */
const HELPER_URL = new URL("./spawn-helper.js", import.meta.url);

/**
 * Starts the spawn helper (once per process; later calls do nothing): from then on spawnProcess
 * and execFileProcess start processes through it. False when this gantry has no helper (running
 * from its TypeScript sources): processes are then started by this process, as before. `path`:
 * the bundled helper (tests bundle their own).
 */
export function startSpawnHelper(path = fileURLToPath(HELPER_URL)): boolean {
  if (helper?.alive) return true;
  if (!existsSync(path)) return false;
  const child = fork(path, [], {
    // Not the server's own flags (--cpu-prof, --inspect …), and a small heap: it holds no data.
    execArgv: ["--max-old-space-size=64"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  helper = new SpawnHelper(child);
  return true;
}

/** The helper's pid while it runs (benches add its CPU time to the server's). */
export function spawnHelperPid(): number | undefined {
  return helper?.alive ? helper.pid : undefined;
}

/**
 * Node's spawn, through the spawn helper when it runs (see helper.ts): the same events and
 * streams; the child's pid is known once `spawn` is emitted rather than at once.
 */
export function spawnProcess(command: string, args: string[], options: LaunchOptions = {}): LaunchedProcess {
  if (helper?.alive) return helper.start(command, args, options);
  return nodeSpawn(command, args, options);
}

/** What execFileProcess rejects with: git's (or the command's) own words, as Node's execFile gives them. */
export class ExecFileError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(message);
  }
}

/**
 * Runs a command to its end and gives its output (as Node's execFile), through the spawn helper when
 * it runs; `input` is written to its standard input. Rejects with an ExecFileError when it fails to
 * start, exits non-zero or writes more than `maxBuffer` bytes to either stream.
 */
export function execFileProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; maxBuffer?: number; input?: string } = {},
): Promise<{ stdout: string; stderr: string }> {
  const maxBuffer = options.maxBuffer ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawnProcess(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: ExecFileError | undefined;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBuffer && !failure) {
        failure = new ExecFileError(
          `${command}: maxBuffer exceeded`,
          "",
          "",
          "ERR_CHILD_PROCESS_STDIO_MAXBUFFER",
        );
        child.kill("SIGTERM");
        return;
      }
      into.push(chunk);
    };
    child.stdout?.on("data", collect(out));
    child.stderr?.on("data", collect(err));
    child.on("error", (e: NodeJS.ErrnoException) => {
      failure ??= new ExecFileError(e.message, "", "", e.code ?? null);
    });
    child.stdin?.on("error", () => undefined); // a command that exits before reading its input
    child.on("close", (code: number | null, signal: NodeJS.Signals | null) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (failure) return reject(new ExecFileError(failure.message, stdout, stderr, failure.code));
      if (code === 0) return resolve({ stdout, stderr });
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(
        new ExecFileError(`Command failed (${why}): ${command} ${args.join(" ")}`, stdout, stderr, code),
      );
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
