import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobFolderMaker, jobFolders } from "./job-folders.js";

function layoutOf(jobDir: string): string[] {
  const f = jobFolders(jobDir, "repo", false);
  return [f.workspace, f.filesDir, f.eventDir, f.home, join(f.tools, "bin")].filter((d) => existsSync(d));
}

/** The event loop's next turn, when the maker makes its spare. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("JobFolderMaker", () => {
  it("makes each job's folders, the next job's from the spare made ahead, empty and its own", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "gantry-folders-"));
    const runDir = join(runsDir, "run1");
    const maker = new JobFolderMaker("repo", "/usr/bin/corepack");
    const first = maker.make(runDir, join(runDir, "1"), '{ "a": 1 }');
    expect(first.eventWritten).toBe(false);
    expect(layoutOf(first.jobDir)).toHaveLength(5);
    expect(readlinkSync(join(first.tools, "bin", "corepack"))).toBe("/usr/bin/corepack");
    // What the first job leaves in its folders stays there.
    writeFileSync(join(first.workspace, "left.txt"), "x");
    await nextTurn();
    expect(readdirSync(runDir).sort()).toEqual([".next-1", "1"]);
    const second = maker.make(runDir, join(runDir, "2"), '{ "a": 1 }');
    expect(layoutOf(second.jobDir)).toHaveLength(5);
    expect(readdirSync(second.workspace)).toEqual([]);
    expect(readlinkSync(join(second.tools, "bin", "corepack"))).toBe("/usr/bin/corepack");
    // Its first step's file-command files are there, empty, named as GitHub's runner names them.
    expect(first.commandFiles).toBeUndefined();
    const files = Object.values(second.commandFiles ?? {});
    expect(files).toHaveLength(5);
    for (const file of files) {
      expect(file.startsWith(`${second.filesDir}/`)).toBe(true);
      expect(readFileSync(file, "utf8")).toBe("");
    }
    expect(
      readdirSync(second.filesDir)
        .map((f) => f.replace(/_[0-9a-f-]{36}$/, ""))
        .sort(),
    ).toEqual(["add_path", "save_state", "set_env", "set_output", "step_summary"]);
    // Its event.json too, the spare having been made for the same event.
    expect(second.eventWritten).toBe(true);
    expect(readFileSync(join(second.eventDir, "event.json"), "utf8")).toBe('{ "a": 1 }');
    await nextTurn();
    expect(readdirSync(runDir).sort()).toEqual([".next-2", "1", "2"]);
    // Another event: the job writes its own.
    const third = maker.make(runDir, join(runDir, "3"), '{ "b": 2 }');
    expect(third.eventWritten).toBe(false);
    expect(Object.values(third.commandFiles ?? {})).toHaveLength(5);
  });

  it("gives jobs that start together folders of their own", async () => {
    const runDir = join(mkdtempSync(join(tmpdir(), "gantry-folders-")), "run");
    const maker = new JobFolderMaker("repo", undefined);
    maker.make(runDir, join(runDir, "1"));
    await nextTurn();
    const made = [2, 3, 4].map((n) => maker.make(runDir, join(runDir, String(n))));
    for (const f of made) expect(layoutOf(f.jobDir)).toHaveLength(5);
    expect(existsSync(join(made[0].tools, "bin", "corepack"))).toBe(false);
    // One spare at a time, made after them.
    await nextTurn();
    expect(readdirSync(runDir).sort()).toEqual([".next-2", "1", "2", "3", "4"]);
  });

  it("leaves nothing behind when the run's folder goes before the spare is made", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "gantry-folders-"));
    const runDir = join(runsDir, "run");
    const maker = new JobFolderMaker("repo", undefined);
    maker.make(runDir, join(runDir, "1"));
    renameSync(runDir, join(runsDir, "trash"));
    await nextTurn();
    expect(existsSync(runDir)).toBe(false);
    expect(readdirSync(join(runsDir, "trash"))).toEqual(["1"]);
    // The next run's job is made anew, in its own folder.
    const other = maker.make(join(runsDir, "run2"), join(runsDir, "run2", "1"));
    expect(layoutOf(other.jobDir)).toHaveLength(5);
  });
});
