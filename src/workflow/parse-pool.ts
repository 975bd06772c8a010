import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import { fileSizeProblem } from "./bounded-parse.js";
import { type LoadResult, loadWorkflow } from "./load.js";
import type { Problem } from "./problems.js";

/** A workflow for the worker to parse. */
export interface ParseRequest {
  id: number;
  file: string;
  content: string;
}

/** The worker's answer: the problems, and whether the file gave a workflow. */
export interface ParseReply {
  id: number;
  problems: Problem[];
  loaded: boolean;
}

/** How long one file may take in the worker before it is stopped, unless configured: 5 s. */
export const DEFAULT_PARSE_TIMEOUT_MS = 5000;

/** How long a new worker may take to load before the file waiting for it fails. */
const WORKER_START_MS = 30_000;

/** The worker's heap: a file near the 1 MiB limit parses in well under this. */
const WORKER_HEAP_MB = 512;

/** Verdicts remembered (by file name and content), so an unchanged file goes to the worker once. */
const VERDICTS_KEPT = 512;

export interface ParsePoolOptions {
  /** The worker's entry; default: workflow-parse-worker.js beside this (bundled) module. */
  workerUrl?: URL;
  timeoutMs?: number;
}

/** What the worker said of one file's content. */
type Verdict =
  /** It parsed in time: loading it in-process is as bounded as it was there. */
  | { kind: "parses" }
  /** It gives no workflow (too big, an alias bomb, not YAML …): these problems are the answer. */
  | { kind: "refused"; problems: Problem[] }
  /** The worker was stopped (the time limit, out of memory, the pool closing): not remembered. */
  | { kind: "stopped"; problems: Problem[] };

interface Job {
  request: ParseRequest;
  done: (verdict: Verdict) => void;
}

/**
 * Loads workflows read from pushed commits without trusting them with the event loop: each new
 * content is first parsed in a worker thread under a time limit (and a heap limit); a file that
 * is stopped, or that gives no workflow, is answered with its problems and never parsed here.
 * One that parsed in time is then loaded in this thread (its tokens cannot cross threads), where
 * the parse is bounded as it was in the worker: same size limit, alias cap and work.
 *
 * Where the worker's bundle is absent (running from the TypeScript sources, as unit tests do),
 * files are loaded in-process with the size limit and alias cap only.
 */
export class WorkflowParsePool {
  private readonly workerUrl: URL | undefined;
  /** The worker's entry that a bundled gantry lacks (a broken install), else undefined. */
  readonly missingWorker: URL | undefined;
  private readonly timeoutMs: number;
  private worker: Worker | undefined;
  /** Whether the worker has loaded (it says so): each file's clock starts once it has. */
  private ready = false;
  private starting: NodeJS.Timeout | undefined;
  private readonly queue: Job[] = [];
  private current: { job: Job; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  private readonly verdicts = new Map<string, Verdict>();
  private readonly pending = new Map<string, Promise<Verdict>>();

  constructor(options: ParsePoolOptions = {}) {
    const url = options.workerUrl ?? new URL("./workflow-parse-worker.js", import.meta.url);
    this.workerUrl = existsSync(fileURLToPath(url)) ? url : undefined;
    // Running from the TypeScript sources there is no bundle, and none is missing.
    this.missingWorker = this.workerUrl || import.meta.url.endsWith(".ts") ? undefined : url;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
  }

  /** Whether files are checked in a worker thread (false: in-process, see above). */
  get isolated(): boolean {
    return this.workerUrl !== undefined;
  }

  /** loadWorkflow, bounded as the class says; every problem is returned, none thrown. */
  readonly load = async (file: string, content: string): Promise<LoadResult> => {
    const tooBig = fileSizeProblem(file, Buffer.byteLength(content, "utf8"));
    if (tooBig) return { problems: [tooBig] };
    if (!this.workerUrl) return loadWorkflow(file, content);
    const verdict = await this.verdictOf(file, content);
    if (verdict.kind !== "parses") return { problems: verdict.problems };
    return loadWorkflow(file, content);
  };

  /** Starts the worker now rather than at the first file. */
  warm(): void {
    if (this.workerUrl && !this.worker) this.spawn();
  }

  /** Stops the worker; files waiting for it fail with a problem saying so. A later load starts another. */
  async close(): Promise<void> {
    const waiting = [...this.queue.splice(0), ...(this.current ? [this.current.job] : [])];
    if (this.current) clearTimeout(this.current.timer);
    this.current = undefined;
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    clearTimeout(this.starting);
    for (const job of waiting) job.done(stopped(job.request.file, "the server is stopping"));
    await worker?.terminate();
  }

  private verdictOf(file: string, content: string): Promise<Verdict> {
    const key = createHash("sha256").update(file).update("\0").update(content).digest("hex");
    const known = this.verdicts.get(key);
    if (known) {
      this.verdicts.delete(key); // most recently used goes last
      this.verdicts.set(key, known);
      return Promise.resolve(known);
    }
    let verdict = this.pending.get(key);
    if (!verdict) {
      verdict = new Promise<Verdict>((done) => {
        this.queue.push({ request: { id: this.nextId++, file, content }, done });
        this.next();
      }).then((v) => {
        this.pending.delete(key);
        if (v.kind !== "stopped") {
          this.verdicts.set(key, v);
          if (this.verdicts.size > VERDICTS_KEPT)
            this.verdicts.delete(this.verdicts.keys().next().value as string);
        }
        return v;
      });
      this.pending.set(key, verdict);
    }
    return verdict;
  }

  /** Sends the next file to the worker once it is ready and free: one file at a time, each with its own clock. */
  private next(): void {
    if (this.current || this.queue.length === 0) return;
    const worker = this.worker ?? this.spawn();
    if (!this.ready) return;
    const job = this.queue.shift() as Job;
    const timer = setTimeout(() => {
      this.fail(`parsing it took longer than ${this.timeoutMs / 1000} s`);
    }, this.timeoutMs);
    this.current = { job, timer };
    worker.postMessage(job.request);
  }

  private spawn(): Worker {
    // node:worker_threads loads here, not with the module: `gantry run` and `validate` never start the worker.
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    const worker = new Worker(this.workerUrl as URL, {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: false,
      stderr: false,
    });
    // An idle worker keeps nothing alive; a file being parsed does, through its timer.
    worker.unref();
    this.ready = false;
    clearTimeout(this.starting);
    this.starting = setTimeout(() => {
      if (worker === this.worker && !this.ready) this.fail("the parser did not start");
    }, WORKER_START_MS);
    worker.on("message", (reply: ParseReply | { ready: true }) => {
      if (worker !== this.worker) return;
      if ("ready" in reply) {
        this.ready = true;
        clearTimeout(this.starting);
        this.next();
        return;
      }
      const current = this.current;
      if (!current || current.job.request.id !== reply.id) return;
      clearTimeout(current.timer);
      this.current = undefined;
      current.job.done(reply.loaded ? { kind: "parses" } : { kind: "refused", problems: reply.problems });
      this.next();
    });
    worker.on("error", (err) => {
      if (worker !== this.worker) return;
      const why = /out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(
        `${err.message} ${(err as { code?: string }).code}`,
      )
        ? `parsing it needed more than ${WORKER_HEAP_MB} MB`
        : `the parser failed: ${err.message}`;
      this.fail(why);
    });
    worker.on("exit", () => {
      if (worker === this.worker) this.fail("the parser stopped");
    });
    this.worker = worker;
    return worker;
  }

  /**
   * Stops the worker and fails, saying `why`, the file it was parsing, or when it had not started
   * yet the first file waiting for it (so a worker that cannot start fails files one by one rather
   * than being started again and again); then goes on with a new worker.
   */
  private fail(why: string): void {
    const current = this.current;
    const worker = this.worker;
    const job = current?.job ?? (this.ready ? undefined : this.queue.shift());
    this.current = undefined;
    this.worker = undefined;
    this.ready = false;
    clearTimeout(this.starting);
    if (current) clearTimeout(current.timer);
    job?.done(stopped(job.request.file, why));
    void worker?.terminate();
    this.next();
  }
}

function stopped(file: string, why: string): Verdict {
  const message = `The workflow was not read: ${why}`;
  return { kind: "stopped", problems: [{ file, line: 1, col: 1, severity: "error", message }] };
}
