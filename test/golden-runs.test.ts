import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gantry, makeRepo } from "./harness.js";

interface Golden {
  files: Record<string, string>;
  args: string[];
  exit: number;
  expected: Record<string, Record<string, { result: string; steps: string[] }>>;
}

const dir = join(import.meta.dirname, "golden", "runs");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

/** Each golden file is a repository, a command line and the job/step tree it must produce. */
describe("golden runs", () => {
  it("has golden files", () => expect(files.length).toBeGreaterThan(3));
  for (const file of files) {
    it(file, async () => {
      const golden = parse(readFileSync(join(dir, file), "utf8")) as Golden;
      const repo = makeRepo({ files: golden.files });
      const r = await gantry(repo, golden.args);
      const actual: Golden["expected"] = {};
      for (const run of r.report?.runs ?? []) {
        actual[run.workflow] = Object.fromEntries(
          run.jobs.map((j) => [j.name, { result: j.result, steps: j.steps.map((s) => s.conclusion) }]),
        );
      }
      expect({ exit: r.code, jobs: actual }).toEqual({ exit: golden.exit, jobs: golden.expected });
    });
  }
});
