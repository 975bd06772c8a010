import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RunNotes } from "./run-notes.js";

describe("RunNotes", () => {
  it("keeps annotations and summaries per run attempt, skipping a line cut short", () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-notes-"));
    const notes = new RunNotes(root);
    notes.addAnnotation(1, 1, {
      jobKey: "build",
      level: "error",
      text: "Error: a.ts:3: bad",
      message: "bad",
      file: "a.ts",
      line: 3,
    });
    notes.addAnnotation(1, 2, { jobKey: "build", level: "warning", text: "Warning: w", message: "w" });
    notes.addSummary(1, 1, { jobKey: "build", step: "Run make", markdown: "# Done" });
    appendFileSync(join(root, "1", "1", "annotations.jsonl"), '{"jobKey":"x","lev');
    expect(notes.annotations(1, 1)).toEqual([
      { jobKey: "build", level: "error", text: "Error: a.ts:3: bad", message: "bad", file: "a.ts", line: 3 },
    ]);
    expect(notes.annotations(1, 2).map((a) => a.level)).toEqual(["warning"]);
    expect(notes.summaries(1, 1)).toEqual([{ jobKey: "build", step: "Run make", markdown: "# Done" }]);
    expect(notes.summaries(2, 1)).toEqual([]);
  });
});
