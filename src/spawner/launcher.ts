// A job's launcher: the compiled spawn helper run inside the job's sandbox (`spawn-helper
// --sandbox`, the command of the job's one bubblewrap), which starts the job's processes there.
// It speaks the helper's protocol (codec.ts) over its stdin and stdout; everything it says is the
// job's own bytes, since any step of the job may kill it, or make it say anything: a reply that is
// not the protocol ends it and fails what it runs, never this process, and the pids it names are
// of the job's PID namespace, only ever sent back to it (HelperChild.killGroup).
import type { Readable, Writable } from "node:stream";
import { encodeRequest, ReplyDecoder } from "./codec.js";
import type { FromHelper, ToHelper } from "./messages.js";
import {
  type ChildOwner,
  HelperChild,
  type LaunchedProcess,
  type LaunchOptions,
  stdioSpecs,
} from "./spawner.js";

/** The longest reply a launcher may send: a chunk of output (64 KiB) and its header, or an error. */
const MAX_REPLY = 1024 * 1024;

export class Launcher implements ChildOwner {
  private readonly children = new Map<number, HelperChild>();
  private nextId = 1;
  private referenced = 0;
  private gone = false;
  private why = "the job's launcher exited";
  private readonly input: Writable;
  /** Rejects `ready` (until the hello). */
  private readonly never: (err: Error) => void;
  /** Resolves once the launcher says hello; rejects when it ends before. */
  readonly ready: Promise<void>;

  /** `process`: the launcher (its sandbox's bubblewrap), its stdin and stdout pipes. */
  constructor(private readonly process: LaunchedProcess) {
    if (!process.stdin || !process.stdout) throw new Error("a launcher needs its stdin and stdout");
    this.input = process.stdin;
    const output: Readable = process.stdout;
    const decoder = new ReplyDecoder((id) => this.children.get(id)?.command ?? "", MAX_REPLY);
    let hello: () => void = () => undefined;
    let never: (err: Error) => void = () => undefined;
    let said = false;
    this.ready = new Promise<void>((resolve, reject) => {
      hello = resolve;
      never = reject;
    });
    this.ready.catch(() => undefined);
    const deliver = (m: FromHelper) => {
      if (m.t !== "hello") {
        if (said) this.children.get(m.id)?.receive(m);
        else throw new Error("it spoke before its hello");
        return;
      }
      said = true;
      hello();
    };
    output.on("data", (chunk: Buffer) => {
      if (this.gone) return;
      try {
        decoder.push(chunk, deliver);
      } catch (err) {
        this.end(`the job's launcher broke its protocol (${(err as Error).message})`);
      }
    });
    output.on("error", () => undefined);
    this.input.on("error", () => undefined);
    process.on("error", () => undefined);
    process.on("close", () => this.end(this.why));
    this.never = never;
    process.unref();
  }

  get alive(): boolean {
    return !this.gone;
  }

  /** Ends the launcher (its sandbox with it) and fails what it was running, saying `why`. */
  end(why: string): void {
    if (this.gone) return;
    this.gone = true;
    this.why = why;
    this.never(new Error(why)); // nothing once it said hello
    this.process.kill("SIGKILL");
    for (const child of [...this.children.values()]) {
      child.emit("error", new Error(why));
      child.closed(null, null);
    }
  }

  send(message: ToHelper): void {
    if (!this.gone) this.input.write(encodeRequest(message));
  }

  /** While a child it started is referenced, the launcher keeps this process's event loop alive. */
  refer(delta: number, _id: number): void {
    const before = this.referenced;
    this.referenced += delta;
    if (before === 0 && this.referenced > 0) this.process.ref();
    if (before > 0 && this.referenced === 0) this.process.unref();
  }

  forget(child: HelperChild): void {
    if (!this.children.delete(child.id)) return;
    child.unref();
  }

  /**
   * Starts `command` inside the sandbox (after the hello: call it once `ready` resolved). A
   * descriptor number in `stdio` means nothing there: only "pipe" and "ignore" are taken.
   */
  spawn(command: string, args: string[], options: LaunchOptions): LaunchedProcess {
    const id = this.nextId++;
    const stdio = stdioSpecs(options).map((s) => (typeof s === "object" ? "ignore" : s));
    const child = new HelperChild(this, id, command, stdio);
    child.killGroup = (signal) => this.send({ t: "kill", id, signal, group: true });
    if (this.gone) {
      const why = this.why;
      setImmediate(() => {
        child.emit("error", new Error(why));
        child.closed(null, null);
      });
      return child;
    }
    this.children.set(id, child);
    this.refer(1, id);
    this.send({
      t: "spawn",
      id,
      command,
      args,
      cwd: options.cwd ?? "/",
      env: { ...(options.env ?? {}) },
      detached: options.detached,
      stdio,
    });
    return child;
  }
}
