import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
    expect(readdirSync(dir)).toHaveLength(1);
    rmSync(dir, { recursive: true });
    ledger.record(1, 1, "ci.yml/test", a);
    expect(readdirSync(dir)).toHaveLength(1);
    // Made again with the running job's group too: the next start ends both jobs' (one group here).
    expect(readFileSync(join(dir, readdirSync(dir)[0]), "utf8").split("\n")).toHaveLength(3);
    expect(ledger.endAll()).toEqual([a, a]);
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
  it("keeps one journal a process, whose ended jobs' groups a crash's next start leaves alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-ledger-"));
    // The process that crashed: two jobs ran, one of them ended; its journal is all that is left.
    const crashed = new ProcessLedger(dir);
    const ended = leader();
    const running = leader();
    crashed.record(4, 1, "ci.yml/a b", ended);
    crashed.record(4, 1, "ci.yml/running", running);
    crashed.forget(4, 1, "ci.yml/a b");
    expect(readdirSync(dir)).toHaveLength(1);
    // The next start: another ledger on the same folder.
    expect(new ProcessLedger(dir).endAll()).toEqual([running]);
    expect(alive(ended)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("writes its journal anew with the running jobs' groups alone once it has grown long", () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-ledger-"));
    const ledger = new ProcessLedger(dir, 6);
    const a = leader();
    ledger.record(5, 1, "ci.yml/long", a);
    for (let i = 0; i < 5; i++) {
      ledger.record(5, 1, `ci.yml/short-${i}`, a);
      ledger.forget(5, 1, `ci.yml/short-${i}`);
    }
    // 11 lines were written; written anew after the 7th with the running job's alone, then 4 more.
    const [journal] = readdirSync(dir);
    const lines = readFileSync(join(dir, journal), "utf8").trim().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(`+ 5-1-ci.yml%2Flong ${a} ${lines[0].split(" ")[3]}`);
    ledger.record(5, 1, "ci.yml/after", a);
    expect(readdirSync(dir)).toEqual([journal]);
    expect(ledger.endAll()).toEqual([a, a]);
  });
});
