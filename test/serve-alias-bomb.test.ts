// A hostile workflow against the real `gantry serve` (issue 12, item 4): a 9-level YAML alias bomb
// pushed to a repository fails its own run with the alias's position, while the API keeps
// answering and the server still stops cleanly on SIGTERM. And `gantry validate` reports it.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "./git-remote.js";
import { gantry, makeRepo } from "./harness.js";
import { api, exited, type Serve, serve, serveWithConfig, until, untilSaid } from "./serve-harness.js";

const TOKEN = "e2e-admin-token";

/**
 * Nine levels of nine aliases each in a job's matrix (where lists of lists are allowed): under 700
 * bytes, 9^10 strings once expanded. a0 is on line 8; a5's first alias, at column 18 of line 13,
 * is where the expansion crosses the cap (bounded-parse.ts).
 */
function aliasBomb(levels = 9): string {
  let yaml = `name: Bomb
on: push
jobs:
  lol:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]
`;
  for (let i = 1; i <= levels; i++)
    yaml += `        a${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(",")}]\n`;
  return `${yaml}    steps:\n      - run: echo "\${{ matrix.a0 }}"\n`;
}

const BOMB_ERROR =
  ".github/workflows/bomb.yml:13:18: Aliases expand to more than 100,000 nodes; expanding '*a4' here crossed the limit (a YAML alias bomb?)";

const CI = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
`;

interface ApiRun {
  name: string;
  path: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  problems: string[];
}

/** Pushes without blocking this process (the hook talks to the server while git waits). */
function push(work: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn("git", ["push", "-q", "origin", "main"], { cwd: work, stdio: "ignore" });
    child.on("close", (code) => resolve(code));
  });
}

describe("gantry serve: a pushed YAML alias bomb", () => {
  it("fails its run with the alias's position while the API answers, and SIGTERM still stops the server", async () => {
    const r = makeRemote({ ".github/workflows/ci.yml": CI });
    // The alias cap must stop the bomb, not the parse time limit (its own test is below): the
    // refused parse takes about 0.9 s of CPU, which on a loaded machine (a load of 20 on 2 cores)
    // passed the default limit of 5 s of wall time first.
    const s: Serve = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 0 }\n`,
      TOKEN,
      [],
      { GANTRY_WORKFLOW_PARSE_TIMEOUT_MS: "600000" },
    );
    const hooked = await gantry(r.work, ["hook", "install", r.origin, "--server", s.url, "--token", TOKEN]);
    expect(hooked.code, hooked.stderr).toBe(0);
    const sha = commitFiles(r.work, { ".github/workflows/bomb.yml": aliasBomb() }, "a bomb");

    // From the push on, every request must be answered, through to both runs' completion.
    const pushed = push(r.work);
    let answered = 0;
    let runs: ApiRun[] = [];
    for (;;) {
      const list = await api(s, TOKEN, "GET", "/repos/acme/app/actions/runs?per_page=100");
      expect(list.status).toBe(200);
      const openapi = await api(s, TOKEN, "GET", "/openapi.json");
      expect(openapi.status).toBe(200);
      answered += 2;
      runs = (list.json.workflow_runs as ApiRun[]).filter((run) => run.head_sha === sha);
      if (runs.length === 2 && runs.every((run) => run.status === "completed")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await pushed).toBe(0);
    expect(answered).toBeGreaterThan(0);

    const bomb = runs.find((run) => run.path === ".github/workflows/bomb.yml");
    expect(bomb).toMatchObject({ conclusion: "failure", problems: [BOMB_ERROR] });
    // The repository's other workflow runs as ever.
    expect(runs.find((run) => run.path === ".github/workflows/ci.yml")).toMatchObject({
      conclusion: "success",
    });

    // Dispatching it is refused with the same reason, and the server goes on answering.
    const dispatched = await api(s, TOKEN, "POST", "/repos/acme/app/actions/workflows/bomb.yml/dispatches", {
      ref: "main",
    });
    expect(dispatched.status).toBe(422);
    expect(dispatched.text).toContain(BOMB_ERROR);

    s.proc.kill("SIGTERM");
    expect(await exited(s.proc)).toBe(0);
    await untilSaid(s, "drained; stopped");
  });
});

describe("gantry serve: a workflow within the limits that parses too slowly", () => {
  it("fails its run when the parse time limit passes, and the server goes on", async () => {
    // A flow list of 450,000 numbers (900 kB, under the 1 MiB limit): the YAML parser alone takes
    // seconds over it; the limit here is 1 s.
    const slow = `name: Slow\non: push\nenv:\n  X: [${Array(450_000).fill("1").join(",")}]\n${CI.slice(CI.indexOf("jobs:"))}`;
    const r = makeRemote({ ".github/workflows/ci.yml": CI });
    const dir = mkdtempSync(join(tmpdir(), "gantry-serve-"));
    writeFileSync(
      join(dir, "config.yml"),
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 0 }\n`,
    );
    const s = await serve(["--data", join(dir, "data"), "--config", join(dir, "config.yml")], {
      GANTRY_ADMIN_TOKEN: TOKEN,
      GANTRY_WORKFLOW_PARSE_TIMEOUT_MS: "1000",
    });
    const hooked = await gantry(r.work, ["hook", "install", r.origin, "--server", s.url, "--token", TOKEN]);
    expect(hooked.code, hooked.stderr).toBe(0);
    const sha = commitFiles(r.work, { ".github/workflows/slow.yml": slow }, "a slow one");
    expect(await push(r.work)).toBe(0);
    const runs = await until(
      async () => {
        const list = await api(s, TOKEN, "GET", "/repos/acme/app/actions/runs?per_page=100");
        expect(list.status).toBe(200);
        return (list.json.workflow_runs as ApiRun[]).filter((run) => run.head_sha === sha);
      },
      (found) => found.length === 2 && found.every((run) => run.status === "completed"),
    );
    expect(runs.find((run) => run.path === ".github/workflows/slow.yml")).toMatchObject({
      conclusion: "failure",
      problems: [
        ".github/workflows/slow.yml:1:1: The workflow was not read: parsing it took longer than 1 s",
      ],
    });
    expect(runs.find((run) => run.path === ".github/workflows/ci.yml")).toMatchObject({
      conclusion: "success",
    });
    s.proc.kill("SIGTERM");
    expect(await exited(s.proc)).toBe(0);
  });
});

describe("gantry validate: a YAML alias bomb", () => {
  it("is reported at the alias, exit 2", async () => {
    const repo = makeRepo({ files: { ".github/workflows/bomb.yml": aliasBomb() } });
    const r = await gantry(repo, ["validate"]);
    expect(r.code).toBe(2);
    expect(r.stdout.split("\n").filter((l) => /^\S+:\d+:\d+: /.test(l))).toEqual([BOMB_ERROR]);
  });

  it("a file over 1 MiB is reported at 1:1 without being parsed, exit 2", async () => {
    const big = `${CI}#${"x".repeat(1024 * 1024)}\n`;
    const repo = makeRepo({ files: { ".github/workflows/big.yml": big } });
    const r = await gantry(repo, ["validate"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      `.github/workflows/big.yml:1:1: The file is ${big.length.toLocaleString("en-US")} bytes; the limit is 1,048,576 (1 MiB, as on GitHub)`,
    );
  });
});
