// The CLI against a real server, as a new user meets it after `gh run`: runs, logs, watch, cancel,
// rerun, download and dispatch by name, with the mistakes they make first (a wrong token, an
// unknown option).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { zipFiles } from "../src/artifacts/index.js";
import { gantry, makeRepo, scratch } from "./harness.js";
import { api, serveWithConfig, until } from "./serve-harness.js";

const token = "cli-token";

const CI = `name: CI
on:
  workflow_dispatch:
    inputs:
      fail: { type: boolean, default: false }
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p dist/sub
          echo built > dist/out.txt
          echo nested > dist/sub/n.txt
          echo build-says-hi
      - uses: actions/upload-artifact@v4
        with:
          name: bundle
          path: dist/
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - name: Greet
        run: echo hello-from-greet
      - name: Check
        run: |
          echo checking-now
          if [ "\${{ inputs.fail }}" = "true" ]; then exit 3; fi
`;

const HOLD = `name: Hold
on: workflow_dispatch
jobs:
  hold:
    runs-on: ubuntu-latest
    steps:
      - run: sleep 300
`;

async function setUp() {
  const repo = makeRepo({
    files: { ".github/workflows/ci.yml": CI, ".github/workflows/hold.yml": HOLD },
  });
  const server = await serveWithConfig(
    `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  isolation: none\n`,
    token,
  );
  const env = { GANTRY_SERVER: server.url, GANTRY_TOKEN: token };
  return { server, env, cwd: scratch() };
}

describe("the CLI as gh run: runs, logs, watch, rerun, download", () => {
  /** A server with one finished run of CI (failing when asked), and the CLI pointed at it. */
  async function finishedRun(fail: boolean) {
    const { server, env, cwd } = await setUp();
    const answer = await api(server, token, "POST", "/repos/acme/app/actions/workflows/ci.yml/dispatches", {
      ref: "main",
      inputs: { fail },
      return_run_details: true,
    });
    const runId = String(answer.json.workflow_run_id);
    await until(
      () => api(server, token, "GET", `/repos/acme/app/actions/runs/${runId}`),
      (r) => r.json.status === "completed",
    );
    const run = (args: string[]) => gantry(cwd, args, { env });
    return { server, cwd, runId, run };
  }

  it("dispatches a workflow by its name, and watch exits with the run's result", async () => {
    const { env, cwd } = await setUp();
    const run = (args: string[]) => gantry(cwd, args, { env });
    const ok = await run(["dispatch", "CI", "--input", "fail=true"]);
    expect(ok.stderr).toBe("");
    const runId = /Run (\d+) queued/.exec(ok.stdout)?.[1] as string;
    expect(runId).toBeDefined();
    const unknown = await run(["dispatch", "Nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /no workflow named 'Nope' in acme\/app; its workflows: CI \(ci\.yml\), Hold \(hold\.yml\)/,
    );
    const watched = await run(["watch", runId]);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/^✓ build: success$/m);
    expect(watched.stdout).toMatch(/^X test: failure$/m);
    expect(watched.stdout).toMatch(new RegExp(`Run CI #1 \\(${runId}\\) completed with 'failure' in \\d+s`));
  });

  it("lists runs with gh's columns, by workflow name or file, and as JSON", async () => {
    const { runId, run } = await finishedRun(true);
    const listed = await run(["runs", "--workflow", "CI"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^STATUS\s+TITLE\s+WORKFLOW\s+BRANCH\s+EVENT\s+ID\s+ELAPSED\s+AGE$/m);
    expect(listed.stdout).toMatch(
      new RegExp(
        `^failure\\s+CI\\s+CI\\s+main\\s+workflow_dispatch\\s+${runId}\\s+\\d+s\\s+(less than a minute|about \\d+ minutes?) ago$`,
        "m",
      ),
    );
    expect((await run(["runs", "--workflow", "hold.yml"])).stdout).toBe("No runs in acme/app.\n");
    const json = JSON.parse((await run(["runs", "--json", "--status", "failure"])).stdout);
    expect(json).toMatchObject([{ id: Number(runId), conclusion: "failure", name: "CI" }]);
  });

  it("prints logs as JOB | TIME LINE: the latest run by default, --job, --failed, and --follow alike", async () => {
    const { runId, run } = await finishedRun(true);
    const logs = await run(["logs"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^build \| \S+Z build-says-hi$/m);
    expect(logs.stdout).toMatch(/^test \| \S+Z hello-from-greet$/m);
    const build = await run(["logs", runId, "--job", "build"]);
    expect(build.stdout).toMatch(/build-says-hi/);
    expect(build.stdout).not.toMatch(/^test \|/m);
    const failed = await run(["logs", runId, "--failed"]);
    expect(failed.stdout).toMatch(/^test \| \S+Z checking-now$/m);
    expect(failed.stdout).not.toMatch(/hello-from-greet|build-says-hi/);
    const followed = await run(["logs", runId, "--follow"]);
    expect(followed.code).toBe(1);
    expect(followed.stdout).toMatch(/^test \| \S+Z checking-now$/m);
  });

  it("downloads artifacts, each in a folder of its name or one straight into --dir, never over a file", async () => {
    const { cwd, runId, run } = await finishedRun(false);
    const all = await run(["download", runId, "-D", join(cwd, "all")]);
    expect(all.stderr).toBe("");
    expect(readFileSync(join(cwd, "all/bundle/out.txt"), "utf8")).toBe("built\n");
    expect(readFileSync(join(cwd, "all/bundle/sub/n.txt"), "utf8")).toBe("nested\n");
    const one = await run(["download", runId, "-n", "bundle", "-D", join(cwd, "one")]);
    expect(one.code).toBe(0);
    expect(readFileSync(join(cwd, "one/out.txt"), "utf8")).toBe("built\n");
    writeFileSync(join(cwd, "one/out.txt"), "mine\n");
    const again = await run(["download", runId, "-n", "bundle", "-D", join(cwd, "one")]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/not overwriting what is there: .*one\/out\.txt/);
    expect(readFileSync(join(cwd, "one/out.txt"), "utf8")).toBe("mine\n");
    const none = await run(["download", runId, "-n", "nope"]);
    expect(none.stderr).toMatch(/no artifact 'nope' in run \d+; it has: bundle/);
  });

  it("re-runs the failed jobs as a second attempt", async () => {
    const { server, runId, run } = await finishedRun(true);
    const rerun = await run(["rerun", runId, "--failed"]);
    expect(rerun.stdout).toBe(`✓ Requested rerun (failed jobs) of run ${runId}\n`);
    const second = await run(["watch", runId]);
    expect(second.code).toBe(1);
    const attempt = await api(server, token, "GET", `/repos/acme/app/actions/runs/${runId}`);
    expect(attempt.json.run_attempt).toBe(2);
  });

  it("re-runs one job, by name, and the jobs that need it", async () => {
    const { server, runId, run } = await finishedRun(true);
    const nope = await run(["rerun", runId, "--job", "nope"]);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toMatch(/no job 'nope' in this run; its jobs: build \(\d+\), test \(\d+\)/);
    const rerun = await run(["rerun", runId, "--job", "test"]);
    expect(rerun.stdout).toMatch(
      new RegExp(`^✓ Requested rerun of job \\d+ \\(test\\) on run ${runId}$`, "m"),
    );
    expect((await run(["watch", runId])).code).toBe(1);
    const attempt = await api(server, token, "GET", `/repos/acme/app/actions/runs/${runId}`);
    expect(attempt.json.run_attempt).toBe(2);
    const logs = await run(["logs", runId, "--job", "test"]);
    expect(logs.stdout).toMatch(/^test \| \S+Z checking-now$/m);
  });

  it("cancels a run, and watch exits with its result", async () => {
    const { server, env, cwd } = await setUp();
    const run = (args: string[]) => gantry(cwd, args, { env });
    const runId = /Run (\d+) queued/.exec((await run(["dispatch", "hold.yml"])).stdout)?.[1] as string;
    await until(
      () => api(server, token, "GET", `/repos/acme/app/actions/runs/${runId}/jobs`),
      (r) => r.json.jobs[0]?.status === "in_progress",
    );
    const watching = run(["watch", runId]);
    const cancelled = await run(["cancel", runId]);
    expect(cancelled.stdout).toBe(`✓ Request to cancel workflow run ${runId} submitted.\n`);
    const watched = await watching;
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/completed with 'cancelled'/);
    const twice = await run(["cancel", runId]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/Cannot cancel a workflow run that is completed/);
  });

  it("says what is wrong first: a refused token, an unknown option, help without run's options", async () => {
    const { env, cwd } = await setUp();
    const wrong = await gantry(cwd, ["runs"], { env: { ...env, GANTRY_TOKEN: "not-the-token" } });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/the server refused the token \(GANTRY_TOKEN\)/);
    const flag = await gantry(cwd, ["runs", "--token", "not-the-token"], { env });
    expect(flag.stderr).toMatch(/the server refused the token \(--token\)/);

    const bogus = await gantry(cwd, ["cancel", "--bogus", "1"], { env });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toBe("gantry cancel: unknown option '--bogus' (see gantry cancel --help)\n");
    const missing = await gantry(cwd, ["runs", "--limit"], { env });
    expect(missing.stderr).toBe("gantry runs: option '--limit' needs a value (see gantry runs --help)\n");

    const help = await gantry(cwd, ["--help"]);
    expect(help.code).toBe(0);
    for (const command of [
      "runs",
      "logs",
      "watch",
      "cancel",
      "rerun",
      "download",
      "dispatch",
      "evidence",
      "metrics",
      "advise",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  gantry ${command}\\b`, "m"));
    }
    expect(help.stdout).not.toMatch(/--secret-file|Usage: gantry run \[options\]/);
  });

  it("download keeps a hostile server's zip inside the folder", async () => {
    // A server that answers with an artifact whose zip names a file outside its folder.
    const dir = scratch();
    writeFileSync(join(dir, "payload"), "owned\n");
    const chunks: Uint8Array[] = [];
    for await (const c of zipFiles([{ name: "../../../escaped.txt", path: join(dir, "payload") }]))
      chunks.push(c);
    const zip = Buffer.concat(chunks);
    const hostile = createServer((req, res) => {
      const json = (body: unknown) =>
        res.setHeader("content-type", "application/json").end(JSON.stringify(body));
      if (req.url?.endsWith("/actions/runs/7")) return json({ id: 7, name: "CI" });
      if (req.url?.includes("/actions/runs/7/artifacts?"))
        return json({ artifacts: [{ name: "evil", size_in_bytes: 1 }] });
      if (req.url?.endsWith("/artifacts/evil/zip"))
        return res.setHeader("content-type", "application/zip").end(zip);
      res.statusCode = 404;
      json({ message: "Not Found" });
    });
    await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", r));
    const { port } = hostile.address() as { port: number };
    try {
      const out = join(dir, "out");
      mkdirSync(out);
      const got = await gantry(dir, ["download", "7", "--repo", "acme/app", "-D", out], {
        env: { GANTRY_SERVER: `http://127.0.0.1:${port}`, GANTRY_TOKEN: "t" },
      });
      expect(got.code).toBe(1);
      expect(got.stderr).toMatch(/artifact 'evil' refused: .*path traversal/);
      expect(existsSync(join(dir, "escaped.txt"))).toBe(false);
      expect(existsSync(join(out, "escaped.txt"))).toBe(false);
    } finally {
      hostile.close();
    }
  });
});
