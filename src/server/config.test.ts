import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblem, UsageError } from "../workflow/index.js";
import { loadServerConfig } from "./config.js";

function problemsOf(text: string): { file: string; lines: string[] } {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-config-")), "config.yml");
  writeFileSync(file, text);
  try {
    loadServerConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return { file, lines: (err as UsageError).problems.map(formatProblem) };
  }
  throw new Error("the config was accepted");
}

describe("loadServerConfig", () => {
  it("names the line and column of each wrong setting, or of the mapping a required one is missing from", () => {
    const { file, lines } = problemsOf(
      ["repos:", "  - owner: acme", '    name: "bad name"', "runners:", "  slots: none", ""].join("\n"),
    );
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${file}:3:11: repos\\.0\\.name: name: letters`)),
      expect.stringMatching(new RegExp(`^${file}:2:5: repos\\.0\\.url: `)),
      expect.stringMatching(new RegExp(`^${file}:5:10: runners\\.slots: `)),
    ]);
  });

  it("names where the YAML itself is broken", () => {
    const { file, lines } = problemsOf("repos:\n  - owner: [acme\n");
    expect(lines[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+: `));
  });

  it("reads a good config with its defaults", () => {
    const file = join(mkdtempSync(join(tmpdir(), "gantry-config-")), "config.yml");
    writeFileSync(file, "repos:\n  - { owner: acme, name: app, url: /srv/app.git }\n");
    const config = loadServerConfig(file);
    expect(config.repos[0]).toMatchObject({ default_branch: "main", poll_interval_seconds: 60 });
    expect(config.runners.slots).toBe(2);
  });
});
