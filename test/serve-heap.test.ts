// `gantry serve` fixes V8's heap growing factor (src/cli/heap-growth.ts): V8 itself says, after each
// full collection (--trace-gc-verbose), the limit it set for the next and the factor it grew by. With --gc-global
// every collection is a full one, so a few requests to the started server give some to read.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT } from "../src/cli/heap-growth.js";
import { BIN } from "./harness.js";

const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

// V8's line for the limit it set: "[HeapController] Limit: old size: 18179 KB, new limit: 80773 KB (4.0)".
const FACTOR = /\[HeapController\] Limit: .*\((\d+\.\d)\)/g;

/** The factors V8 reports for the main heap after the server listens (and before, as printed). */
async function factorsOfServe(nodeArgs: string[]): Promise<{ before: string[]; after: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-heap-"));
  const proc = spawn(
    process.execPath,
    [
      "--trace-gc-verbose",
      "--gc-global",
      ...nodeArgs,
      BIN,
      "serve",
      "--port",
      "0",
      "--data",
      join(dir, "data"),
    ],
    {
      env: { ...process.env, GANTRY_HOME: join(dir, "home"), GANTRY_ADMIN_TOKEN: "heap-token" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  started.push(proc);
  let out = "";
  let err = "";
  proc.stderr?.on("data", (c) => {
    err += c;
  });
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on("exit", (code) => reject(new Error(`gantry serve exited (${code}): ${err}`)));
  });
  const listening = out.indexOf("listening on");
  const after = () => [...out.slice(listening).matchAll(FACTOR)].map((m) => m[1]);
  // Requests allocate; with --gc-global each young collection is a full one that reports its factor.
  for (let i = 0; i < 200 && after().length < 2; i++) {
    const res = await fetch(`${url}/api/v1/openapi.json`);
    await res.arrayBuffer();
  }
  return { before: [...out.slice(0, listening).matchAll(FACTOR)].map((m) => m[1]), after: after() };
}

describe("gantry serve: V8's heap growing factor", () => {
  it("is fixed at twice the live heap once the server runs", async () => {
    expect(HEAP_GROWING_PERCENT).toBe(100);
    const { after } = await factorsOfServe([]);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(new Set(after)).toEqual(new Set(["2.0"]));
  }, 120_000);

  it("is node's own --heap-growing-percent when given", async () => {
    const { before, after } = await factorsOfServe(["--heap-growing-percent=50"]);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(new Set([...before, ...after])).toEqual(new Set(["1.5"]));
  }, 120_000);
});
