import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const spawned: string[][] = [];
vi.mock("../spawner/index.js", () => ({
  spawnProcess: (_command: string, args: string[]) => {
    spawned.push(args);
    return { on: () => undefined, unref: () => undefined };
  },
}));
const { discardDir, removeTrashSoon } = await import("./discard-dir.js");

afterEach(() => {
  vi.useRealTimers();
  spawned.length = 0;
});

/** A run's folder with a file in it, discarded into `trash`. */
function discardRun(root: string, trash: string, name: string): void {
  const dir = join(root, "work", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "f"), "x");
  discardDir(dir, trash);
}

describe("removeTrashSoon", () => {
  it("removes what runs ending one after another discarded in one rm, once they have stopped ending", () => {
    vi.useFakeTimers();
    const root = mkdtempSync(join(tmpdir(), "gantry-trash-soon-"));
    const trash = join(root, "trash");
    for (const name of ["1-1", "2-1", "3-1"]) {
      discardRun(root, trash, name);
      removeTrashSoon(trash);
      vi.advanceTimersByTime(100);
    }
    // Nothing while runs keep ending: the next event's step does not share the machine with an rm.
    expect(spawned).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(spawned).toHaveLength(1);
    expect(spawned[0]?.filter((a) => a.startsWith(trash))).toHaveLength(3);
  });

  it("puts a removal off 5 s at most while runs keep ending", () => {
    vi.useFakeTimers();
    const root = mkdtempSync(join(tmpdir(), "gantry-trash-soon-"));
    const trash = join(root, "trash");
    for (let i = 0; i < 30; i++) {
      discardRun(root, trash, `${i}-1`);
      removeTrashSoon(trash);
      vi.advanceTimersByTime(300);
    }
    // 9 s of runs ending every 0.3 s: removed at 5 s, and again once they stopped.
    expect(spawned.length).toBeGreaterThanOrEqual(1);
    vi.advanceTimersByTime(1000);
    expect(spawned.length).toBeGreaterThanOrEqual(2);
  });
});
