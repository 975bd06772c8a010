import { type ChildProcess, fork, spawn as nodeSpawn } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { accessSync, constants } from "node:fs";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { encodeRequest, ReplyDecoder, signalNumber } from "./codec.js";
import type { FromHelper, StdioSpec, ToHelper } from "./messages.js";
import { Relay } from "./relay.js";

/** What callers use of a child process; Node's ChildProcess is one, a child of the spawn helper another. */
export interface LaunchedProcess extends EventEmitter {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: ReadonlyArray<Readable | Writable | null | undefined>;
  kill(signal?: NodeJS.Signals | number): boolean;
  /**
   * Signals the child's process group (a detached child's), also once the child itself exited: a
   * child started inside a job's sandbox by its launcher has this, and its pid is of the job's PID
   * namespace, never to be signalled on this host. Absent for a child of this host (process.kill(-pid)).
   */
  killGroup?(signal: NodeJS.Signals | number): void;
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
export class HelperChild extends EventEmitter implements LaunchedProcess {
  pid: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: Array<Readable | Writable | null>;
  private readonly readables = new Map<number, Readable>();
  private referenced = true;
  private ended = false;
  private exited = false;
  private failed = false;
  /** The streams whose end was told. */
  private readonly ending = new Set<number>();

  constructor(
    private readonly helper: ChildOwner,
    readonly id: number,
    readonly command: string,
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
    if (signalNumber(signal) === undefined) {
      throw Object.assign(new TypeError(`Unknown signal: ${signal}`), { code: "ERR_UNKNOWN_SIGNAL" });
    }
    if (this.ended) return false;
    this.helper.send({ t: "kill", id: this.id, signal });
    return true;
  }

  /** Set on a child of a job's launcher (see LaunchedProcess.killGroup). */
  killGroup?: (signal: NodeJS.Signals | number) => void;

  ref(): void {
    if (!this.referenced) this.helper.refer(1, this.id);
    this.referenced = true;
  }

  unref(): void {
    if (this.referenced) this.helper.refer(-1, this.id);
    this.referenced = false;
  }

  /** A message of the helper about this child. */
  receive(m: FromHelper): void {
    // Each event once and in its order, whatever the helper says (a job's launcher says what the
    // job makes it say): one out of order is dropped, never a second `spawn` or data past an end.
    if (this.ended) return;
    switch (m.t) {
      case "spawned":
        if (this.pid !== undefined || this.exited) return;
        this.pid = m.pid;
        this.emit("spawn");
        break;
      case "error":
        if (this.pid !== undefined || this.failed) return;
        this.failed = true;
        this.emit("error", Object.assign(new Error(m.error.message), m.error));
        break;
      case "data": {
        const stream = this.readables.get(m.fd);
        if (!stream || stream.readableEnded || this.ending.has(m.fd)) return;
        stream.push(
          Buffer.isBuffer(m.chunk)
            ? m.chunk
            : Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength),
        );
        break;
      }
      case "end":
        if (!this.readables.has(m.fd) || this.ending.has(m.fd)) return;
        this.ending.add(m.fd);
        this.readables.get(m.fd)?.push(null);
        break;
      case "exit":
        if (this.exited) return;
        this.exited = true;
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
    for (const [fd, stream] of this.readables) {
      if (!stream.readableEnded && stream.readableFlowing)
        reading.push(once(stream, "end").catch(() => undefined));
      if (!this.ending.has(fd)) stream.push(null);
      this.ending.add(fd);
    }
    void Promise.all(reading).then(() => setImmediate(() => this.emit("close", code, signal)));
  }
}

/** What a HelperChild asks of the helper that started it. */
export interface ChildOwner {
  send(message: ToHelper): void;
  refer(delta: number, id: number): void;
  forget(child: HelperChild): void;
}

/** The children's requests as the helper takes them: their pipes as given, at least three. */
export function stdioSpecs(options: LaunchOptions): StdioSpec[] {
  const given = options.stdio ?? "pipe";
  const list = typeof given === "string" ? [given, given, given] : [...given];
  // As Node.js does: the three standard descriptors at least, a pipe each when not given.
  while (list.length < 3) list.push("pipe");
  return list.map((s) => (typeof s === "number" ? { path: `/proc/${globalThis.process.pid}/fd/${s}` } : s));
}

/**
 * The helper process and the children it started for this one: the compiled helper
 * (spawn-helper.c, frames on its stdin and stdout, codec.ts) or the Node.js one (helper.ts, its
 * IPC channel).
 */
class SpawnHelper implements ChildOwner {
  private readonly children = new Map<number, HelperChild>();
  private nextId = 1;
  private referenced = 0;
  private gone = false;
  /** How a request reaches the helper, and the handle that keeps this process alive while children run. */
  private readonly transmit: (m: ToHelper) => void;
  private readonly handle: { ref(): void; unref(): void } | undefined;

  /** False until the compiled helper says it runs: requests wait in `waiting` until then. */
  private ready: boolean;
  private waiting: ToHelper[] = [];
  /** This process starting the children itself: a compiled helper that could not run. */
  private relay: Relay | undefined;

  constructor(
    private readonly process: ChildProcess,
    private readonly compiled: boolean,
  ) {
    this.ready = !compiled;
    const toChild = (m: FromHelper) => this.children.get(m.id)?.receive(m);
    const deliver = (m: FromHelper) => {
      if (m.t !== "hello") return toChild(m);
      this.ready = true;
      for (const w of this.waiting.splice(0)) this.transmit(w);
    };
    const lost = () => {
      this.gone = true;
      if (!this.ready) {
        // It never ran (a binary of another machine, a noexec mount): what waited for it, and what
        // its children are told from now on, is started and relayed here; later spawns are this
        // process's own (spawnProcess).
        this.relay = new Relay(toChild);
        for (const w of this.waiting.splice(0)) this.relay.handle(w);
        return;
      }
      // What it was running is lost to this process: each child ends as a failed start would.
      for (const child of [...this.children.values()]) {
        child.emit("error", new Error("the spawn helper process exited"));
        child.closed(null, null);
      }
    };
    if (compiled) {
      const input = process.stdin as Writable & { unref?(): void };
      const output = process.stdout as Readable & { ref(): void; unref(): void };
      const decoder = new ReplyDecoder((id) => this.children.get(id)?.command ?? "");
      output.on("data", (chunk: Buffer) => {
        try {
          decoder.push(chunk, deliver);
        } catch {
          // Not what the helper says: it is ended, and what it ran with it.
          process.kill("SIGKILL");
        }
      });
      input.on("error", () => undefined);
      output.on("error", () => undefined);
      this.transmit = (m) => input.write(encodeRequest(m));
      this.handle = output;
      input.unref?.();
      process.on("exit", () => {
        this.gone = true;
      });
      // Once its stdout is read to the end: replies sent before it exited are delivered first.
      process.on("close", lost);
    } else {
      process.on("message", deliver);
      this.transmit = (m) => process.send(m);
      this.handle = (process as unknown as { channel?: { ref(): void; unref(): void } }).channel;
      process.on("exit", lost);
    }
    process.on("error", () => undefined);
    this.process.unref();
    this.handle?.unref();
  }

  get alive(): boolean {
    return !this.gone && (this.compiled || this.process.connected);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  send(message: ToHelper): void {
    if (this.relay) this.relay.handle(message);
    else if (!this.ready) this.waiting.push(message);
    else if (this.alive) this.transmit(message);
  }

  /** A compiled helper that never ran here (its children are this process's own). */
  get neverRan(): boolean {
    return this.relay !== undefined;
  }

  /** While a child it started is referenced, the helper's channel keeps this process's event loop alive. */
  refer(delta: number, id: number): void {
    this.relay?.reference(id, delta > 0);
    const before = this.referenced;
    this.referenced += delta;
    if (before === 0 && this.referenced > 0) this.handle?.ref();
    if (before > 0 && this.referenced === 0) this.handle?.unref();
  }

  start(command: string, args: string[], options: LaunchOptions): HelperChild {
    const id = this.nextId++;
    const stdio = stdioSpecs(options);
    const child = new HelperChild(this, id, command, stdio);
    this.children.set(id, child);
    this.refer(1, id);
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

/** Where the helpers are: beside the bundle (dist/spawn-helper, compiled when the build found a C
 * compiler, and dist/spawn-helper.js); absent when running from sources. */
const COMPILED_URL = new URL("./spawn-helper", import.meta.url);
const HELPER_URL = new URL("./spawn-helper.js", import.meta.url);

function executable(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the spawn helper (once per process; later calls do nothing): from then on spawnProcess
 * and execFileProcess start processes through it. The compiled helper when the build made one,
 * else the Node.js one. False when this gantry has neither (running from its TypeScript
 * sources): processes are then started by this process, as before. `path`: a helper of the
 * caller's (a `.js` file is the Node.js one; tests build their own).
 */
export function startSpawnHelper(path?: string): boolean {
  if (helper?.alive) return true;
  const compiledPath = fileURLToPath(COMPILED_URL);
  // One that never ran here is not tried again.
  const runnable = executable(compiledPath, constants.X_OK) && !helper?.neverRan;
  const file = path ?? (runnable ? compiledPath : fileURLToPath(HELPER_URL));
  const compiled = !file.endsWith(".js");
  if (!executable(file, compiled ? constants.X_OK : constants.R_OK)) return false;
  const child = compiled
    ? nodeSpawn(file, [], { stdio: ["pipe", "pipe", "inherit"] })
    : fork(file, [], {
        // Not the server's own flags (--cpu-prof, --inspect …), and a small heap: it holds no data.
        execArgv: ["--max-old-space-size=64"],
        serialization: "advanced",
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
  helper = new SpawnHelper(child, compiled);
  if (compiled) compiledGiven = file;
  return true;
}

/** The compiled helper the caller gave startSpawnHelper (a test's own build). */
let compiledGiven: string | undefined;

/**
 * The compiled spawn helper's path when this gantry has one that runs here (a job's launcher is
 * started from it: src/sandbox), else undefined (one that never ran here is not offered).
 */
export function compiledHelperPath(): string | undefined {
  if (helper?.neverRan) return undefined;
  if (compiledGiven) return compiledGiven;
  const file = fileURLToPath(COMPILED_URL);
  return executable(file, constants.X_OK) ? file : undefined;
}

/**
 * Starts the compiled spawn helper when this gantry has one (false when it has not: processes are
 * then started by this process). For `gantry run`, where a Node.js helper costs the CPU it saves.
 */
export function startCompiledSpawnHelper(): boolean {
  if (helper?.alive) return true;
  const file = fileURLToPath(COMPILED_URL);
  return executable(file, constants.X_OK) && !helper?.neverRan && startSpawnHelper(file);
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
