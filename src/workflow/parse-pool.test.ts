import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkflowParsePool } from "./parse-pool.js";
import { formatProblem } from "./problems.js";

const dir = mkdtempSync(join(tmpdir(), "gantry-parse-pool-"));
/** The real worker, bundled as scripts/build.mjs bundles it. */
const realWorker = pathToFileURL(join(dir, "workflow-parse-worker.mjs"));

/**
 * A stand-in worker, ready half a second after it starts: never answers for hang.yml (a busy loop,
 * as a parse that never ends), says how many files it has been given for count.yml, and otherwise
 * that the file parses.
 */
const fakeWorker = pathToFileURL(join(dir, "fake-worker.mjs"));
writeFileSync(
  fileURLToPath(fakeWorker),
  `import { parentPort } from "node:worker_threads";
let seen = 0;
// Loading takes a while (as the real bundle's does): it listens, and says so, half a second in.
setTimeout(() => {
  parentPort.on("message", (m) => {
    seen++;
    if (m.file === "hang.yml") for (;;) {}
    if (m.file === "count.yml") {
      parentPort.postMessage({ id: m.id, loaded: false, problems: [{ file: m.file, line: 1, col: 1, severity: "error", message: "seen " + seen }] });
      return;
    }
    parentPort.postMessage({ id: m.id, loaded: true, problems: [] });
  });
  parentPort.postMessage({ ready: true });
}, 500);
`,
);

/** A worker that cannot load. */
const brokenWorker = pathToFileURL(join(dir, "broken-worker.mjs"));
writeFileSync(fileURLToPath(brokenWorker), `throw new Error("cannot load");\n`);

beforeAll(async () => {
  await build({
    entryPoints: [resolve(import.meta.dirname, "parse-worker.ts")],
    outfile: fileURLToPath(realWorker),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    banner: {
      js: "import { createRequire as __gantryRequire } from 'node:module'; const require = __gantryRequire(import.meta.url);",
    },
  });
});

const VALID =
  "name: ok\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

function aliasBomb(depth: number): string {
  let yaml = 'on: push\nx:\n  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i <= depth; i++)
    yaml += `  a${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(",")}]\n`;
  return yaml;
}

describe("WorkflowParsePool with the real worker", () => {
  let pool: WorkflowParsePool;
  beforeAll(() => {
    pool = new WorkflowParsePool({ workerUrl: realWorker, timeoutMs: 60_000 });
  });
  afterAll(() => pool.close());

  it("parses in a worker thread", () => {
    expect(pool.isolated).toBe(true);
  });

  it("a valid workflow comes back whole (loaded here after the worker's check)", async () => {
    const result = await pool.load("ok.yml", VALID);
    expect(result.problems).toEqual([]);
    expect(result.workflow?.name).toBe("ok");
    expect(result.workflow?.template.jobs.map((j) => j.id.value)).toEqual(["a"]);
  });

  it("a 9-level alias bomb is refused with the alias's position, and the thread stays free meanwhile", async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const result = await pool.load("bomb.yml", aliasBomb(9));
    clearInterval(ticker);
    expect(result.workflow).toBeUndefined();
    expect(result.problems.map(formatProblem)).toContain(
      "bomb.yml:8:12: Aliases expand to more than 100,000 nodes; expanding '*a4' here crossed the limit (a YAML alias bomb?)",
    );
    expect(ticks).toBeGreaterThan(0);
  });

  it("a file with ordinary errors is loaded here too, errors and all", async () => {
    const result = await pool.load("bad.yml", `${VALID}    timeout-minutes: [1]\n`);
    expect(result.workflow).toBeDefined();
    expect(result.problems.some((p) => p.severity === "error")).toBe(true);
  });

  it("an oversize file never reaches the worker", async () => {
    const content = `${VALID}#${"x".repeat(1024 * 1024)}\n`;
    const result = await pool.load("big.yml", content);
    expect(result.problems.map((p) => p.message)).toEqual([
      `The file is ${content.length.toLocaleString("en-US")} bytes; the limit is 1,048,576 (1 MiB, as on GitHub)`,
    ]);
  });
});

describe("WorkflowParsePool's limits and lifecycle (a stand-in worker)", () => {
  it("a parse that does not end is stopped at the time limit, and the next file gets a new worker", async () => {
    const pool = new WorkflowParsePool({ workerUrl: fakeWorker, timeoutMs: 300 });
    try {
      const hung = await pool.load("hang.yml", VALID);
      expect(hung.workflow).toBeUndefined();
      expect(hung.problems.map(formatProblem)).toEqual([
        "hang.yml:1:1: The workflow was not read: parsing it took longer than 0.3 s",
      ]);
      const next = await pool.load("ok.yml", VALID);
      expect(next.problems).toEqual([]);
      expect(next.workflow?.name).toBe("ok");
    } finally {
      await pool.close();
    }
  });

  it("files queue behind a stuck one and each has its own clock", async () => {
    const pool = new WorkflowParsePool({ workerUrl: fakeWorker, timeoutMs: 300 });
    try {
      const [hung, ok] = await Promise.all([pool.load("hang.yml", VALID), pool.load("ok.yml", VALID)]);
      expect(hung.workflow).toBeUndefined();
      expect(ok.workflow?.name).toBe("ok");
    } finally {
      await pool.close();
    }
  });

  it("a stopped file is not remembered; an answered one is (the worker sees it once)", async () => {
    const pool = new WorkflowParsePool({ workerUrl: fakeWorker, timeoutMs: 300 });
    try {
      const first = await pool.load("count.yml", "a: 1\n");
      const again = await pool.load("count.yml", "a: 1\n");
      const changed = await pool.load("count.yml", "a: 2\n");
      expect([first, again, changed].map((r) => r.problems[0]?.message)).toEqual([
        "seen 1",
        "seen 1",
        "seen 2",
      ]);
      await pool.load("hang.yml", VALID);
      const hungAgain = await pool.load("hang.yml", VALID);
      expect(hungAgain.problems[0]?.message).toMatch(/took longer than/);
    } finally {
      await pool.close();
    }
  });

  it("close() ends a parse under way and what waits behind it", async () => {
    const pool = new WorkflowParsePool({ workerUrl: fakeWorker, timeoutMs: 60_000 });
    const hung = pool.load("hang.yml", VALID);
    const waiting = pool.load("ok.yml", "name: other\n");
    await new Promise((r) => setTimeout(r, 50));
    await pool.close();
    expect((await hung).problems.map((p) => p.message)).toEqual([
      "The workflow was not read: the server is stopping",
    ]);
    expect((await waiting).problems.map((p) => p.message)).toEqual([
      "The workflow was not read: the server is stopping",
    ]);
  });

  it("a file's clock starts once the worker has loaded, not when it was started", async () => {
    const pool = new WorkflowParsePool({ workerUrl: fakeWorker, timeoutMs: 300 });
    try {
      expect((await pool.load("ok.yml", VALID)).workflow?.name).toBe("ok");
      await pool.load("hang.yml", VALID); // stopped: the next file waits for a new worker
      expect((await pool.load("ok.yml", `${VALID}\n`)).workflow?.name).toBe("ok");
    } finally {
      await pool.close();
    }
  });

  it("a worker that cannot load fails the files waiting for it, one by one, with the reason", async () => {
    const pool = new WorkflowParsePool({ workerUrl: brokenWorker, timeoutMs: 300 });
    try {
      const [a, b] = await Promise.all([pool.load("a.yml", VALID), pool.load("b.yml", VALID)]);
      expect(a.problems.map(formatProblem)).toEqual([
        "a.yml:1:1: The workflow was not read: the parser failed: cannot load",
      ]);
      expect(b.problems.map(formatProblem)).toEqual([
        "b.yml:1:1: The workflow was not read: the parser failed: cannot load",
      ]);
    } finally {
      await pool.close();
    }
  });

  it("without the worker's bundle (running from sources) it loads in-process", async () => {
    const pool = new WorkflowParsePool({ workerUrl: pathToFileURL(join(dir, "absent.mjs")) });
    expect(pool.isolated).toBe(false);
    expect((await pool.load("ok.yml", VALID)).workflow?.name).toBe("ok");
  });
});
