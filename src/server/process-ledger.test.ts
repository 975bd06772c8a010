import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { alive } from "../../test/harness.js";
import { ProcessLedger } from "./process-ledger.js";

const started: number[] = [];

afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

/** A process leading a group of its own, as a step's is. */
function leader(): number {
  const child = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
  child.unref();
  started.push(child.pid as number);
  return child.pid as number;
}

describe("ProcessLedger", () => {
  it("makes its folder at the first record, and again when it went since", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "gantry-ledger-")), "processes");
    const ledger = new ProcessLedger(dir);
    const a = leader();
    ledger.record(1, 1, "ci.yml/build", a);
    expect(readdirSync(dir)).toEqual(["1-1-ci.yml%2Fbuild"]);
    rmSync(dir, { recursive: true });
    ledger.record(1, 1, "ci.yml/test", a);
    expect(readdirSync(dir)).toEqual(["1-1-ci.yml%2Ftest"]);
    expect(ledger.endAll()).toEqual([a]);
  });

  it("ends the groups recorded for jobs and forgets them", () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-ledger-"));
    const ledger = new ProcessLedger(dir);
    const a = leader();
    const b = leader();
    ledger.record(1, 1, "ci.yml/build", a);
    ledger.record(1, 1, "ci.yml/test/0", b);
    expect(ledger.endAll().sort()).toEqual([a, b].sort());
    expect(readdirSync(dir)).toEqual([]);
    expect(ledger.endAll()).toEqual([]);
  });

  it("leaves alone a forgotten job's groups and an id that now leads another process", () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-ledger-"));
    const ledger = new ProcessLedger(dir);
    const done = leader();
    ledger.record(2, 1, "ci.yml/done", done);
    ledger.forget(2, 1, "ci.yml/done");
    const recycled = leader();
    // Recorded with another start time: the id was handed to a new process since.
    writeFileSync(join(dir, "3-1-ci.yml%2Fold"), `${recycled} 1\n`);
    expect(ledger.endAll()).toEqual([]);
    expect(alive(done)).toBe(true);
    expect(alive(recycled)).toBe(true);
  });
});
