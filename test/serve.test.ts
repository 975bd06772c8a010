import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alive, gantry, makeRepo, scratch } from "./harness.js";
import { api, exited, killAfterTest, serve, serveWithConfig, until, untilSaid } from "./serve-harness.js";

describe("gantry serve", () => {
  it("prints a generated admin token once, and keeps only its hash", async () => {
    const data = mkdtempSync(join(tmpdir(), "gantry-data-"));
    const env = { GANTRY_ADMIN_TOKEN: "" };
    const first = await serve(["--data", data], env);
    const token = /Admin token[^:]*: (\S+)/.exec(first.stdout())?.[1] as string;
    expect(token).toMatch(/^gantry_/);
    expect((await api(first, token, "GET", "/repos")).status).toBe(200);
    expect((await api(first, "wrong", "GET", "/repos")).status).toBe(401);
    // One server per data directory.
    await expect(serve(["--data", data], env)).rejects.toThrow(/another gantry serve \(pid \d+\) is using/);
    first.proc.kill("SIGTERM");
    await exited(first.proc);
    const second = await serve(["--data", data], env);
    expect(second.stdout()).not.toMatch(/Admin token/);
    expect((await api(second, token, "GET", "/repos")).status).toBe(200);
  });

  it("refuses a bad config file, naming the problem", async () => {
    const file = join(scratch(), "config.yml");
    writeFileSync(file, "runners:\n  slots: none\n");
    await expect(serve(["--config", file])).rejects.toThrow(/config\.yml:2:10: runners\.slots/);
  });
});

describe("gantry serve: nothing lost when killed", () => {
  const token = "e2e-token";

  // Without the sandbox (isolation: none): the test follows the host process a step leaves behind,
  // which the next start must end (test/serve-isolation.test.ts kills the server with the sandbox).
  async function crashDuringRun(retries: number, holdStep: string) {
    const shared = scratch();
    const repo = makeRepo({
      files: {
        ".github/workflows/hold.yml": `name: Hold\non: workflow_dispatch\njobs:\n  hold:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n${holdStep
          .replaceAll("$SHARED", shared)
          .split("\n")
          .map((l) => `          ${l}`)
          .join("\n")}\n`,
        ".github/workflows/quick.yml":
          "name: Quick\non: workflow_dispatch\njobs:\n  quick:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo quick-done\n",
      },
    });
    const first = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  slots: 1\n  isolation: none\nretries:\n  lost_runner: ${retries}\n`,
      token,
    );
    const dispatch = async (file: string) =>
      (
        await api(first, token, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
          ref: "main",
          return_run_details: true,
        })
      ).json.workflow_run_id as number;
    const hold = await dispatch("hold.yml");
    const jobs = `/repos/acme/app/actions/runs/${hold}/jobs`;
    const job = (
      await until(
        () => api(first, token, "GET", jobs),
        (r) => r.json.jobs[0]?.status === "in_progress" && existsSync(join(shared, "pid")),
      )
    ).json.jobs[0];
    // The step's log line is on disk before the kill.
    await until(
      () => api(first, token, "GET", `/repos/acme/app/actions/jobs/${job.id}/logs`),
      (r) => r.text.includes("before-kill"),
    );
    // One slot, taken: this run waits in the queue.
    const quick = await dispatch("quick.yml");
    const orphan = Number(readFileSync(join(shared, "pid"), "utf8"));
    killAfterTest(orphan);
    first.proc.kill("SIGKILL");
    await exited(first.proc);
    // The step outlived the server (its own process group); the next start ends it.
    expect(alive(orphan)).toBe(true);

    const second = await serve(first.args, { GANTRY_ADMIN_TOKEN: token });
    const runs = await until(
      () => api(second, token, "GET", "/repos/acme/app/actions/runs"),
      (r) => r.json.workflow_runs.every((run: { status: string }) => run.status === "completed"),
    );
    expect(alive(orphan)).toBe(false);
    return { second, runs: runs.json.workflow_runs, hold, quick, jobId: job.id as number, shared };
  }

  it("fails the job that was running with 'the runner was lost', goes on with the queued run, keeps the log", async () => {
    const { second, runs, hold, quick, jobId } = await crashDuringRun(
      0,
      "echo before-kill\necho $$ > $SHARED/pid\nsleep 300",
    );
    const byId = new Map(runs.map((r: { id: number }) => [r.id, r]));
    expect(byId.get(hold)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(byId.get(quick)).toMatchObject({ status: "completed", conclusion: "success" });
    const job = (await api(second, token, "GET", `/repos/acme/app/actions/jobs/${jobId}`)).json;
    expect(job).toMatchObject({
      status: "completed",
      conclusion: "failure",
      failure_reason: "the runner was lost",
    });
    const log = (await api(second, token, "GET", `/repos/acme/app/actions/jobs/${jobId}/logs`)).text;
    expect(log).toMatch(/before-kill[\s\S]*Error: the runner was lost/);
    const quickJobs = (await api(second, token, "GET", `/repos/acme/app/actions/runs/${quick}/jobs`)).json
      .jobs;
    const quickLog = await api(second, token, "GET", `/repos/acme/app/actions/jobs/${quickJobs[0].id}/logs`);
    expect(quickLog.text).toContain("quick-done");
  });

  it("queues the job again when the config allows retries", async () => {
    const { second, runs, hold, jobId, shared } = await crashDuringRun(
      1,
      "if [ -f $SHARED/once ]; then echo second-try; exit 0; fi\ntouch $SHARED/once\necho before-kill\necho $$ > $SHARED/pid\nsleep 300",
    );
    expect(runs.find((r: { id: number }) => r.id === hold)).toMatchObject({ conclusion: "success" });
    const log = (await api(second, token, "GET", `/repos/acme/app/actions/jobs/${jobId}/logs`)).text;
    expect(log).toMatch(
      /before-kill[\s\S]*the runner was lost; the job is queued again \(retry 1 of 1\)[\s\S]*second-try/,
    );
    expect(existsSync(join(shared, "once"))).toBe(true);
    expect(alive(second.proc.pid as number)).toBe(true);
  });
});

describe("gantry serve: a graceful stop", () => {
  const token = "drain-token";

  async function twoJobServer(shared: string, extraArgs: string[]) {
    const repo = makeRepo({
      files: {
        ".github/workflows/two.yml": `name: Two\non: workflow_dispatch\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo $$ > ${shared}/pid\n          while [ ! -f ${shared}/release ]; do sleep 0.05; done\n          echo first >> ${shared}/ran\n  second:\n    needs: first\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo second >> ${shared}/ran\n`,
      },
    });
    // The steps share a folder of the host's with the test, and the test follows a step's pid: no sandbox.
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  isolation: none\n`,
      token,
      extraArgs,
    );
    const run = (
      await api(s, token, "POST", "/repos/acme/app/actions/workflows/two.yml/dispatches", {
        ref: "main",
        return_run_details: true,
      })
    ).json.workflow_run_id as number;
    await until(
      async () => existsSync(join(shared, "pid")),
      (ok) => ok,
    );
    return { s, run, args: s.args };
  }

  it("lets the running job finish on SIGTERM, starts nothing new, and the next start goes on with the run", async () => {
    const shared = scratch();
    const { s, run, args } = await twoJobServer(shared, []);
    s.proc.kill("SIGTERM");
    await untilSaid(s, "draining: 1 running job(s)");
    // Still up: the job it waits for has not finished.
    expect(s.proc.exitCode).toBeNull();
    writeFileSync(join(shared, "release"), "");
    expect(await exited(s.proc)).toBe(0);
    await untilSaid(s, "drained; stopped");
    expect(readFileSync(join(shared, "ran"), "utf8")).toBe("first\n");

    const again = await serve(args, { GANTRY_ADMIN_TOKEN: token });
    const done = await until(
      () => api(again, token, "GET", `/repos/acme/app/actions/runs/${run}`),
      (r) => r.json.status === "completed",
    );
    expect(done.json.conclusion).toBe("success");
    // The first job's result was kept: it did not run again.
    expect(readFileSync(join(shared, "ran"), "utf8")).toBe("first\nsecond\n");
  });

  it("stops the jobs still running when the drain times out; the next start recovers them as lost", async () => {
    const shared = scratch();
    const { s, run, args } = await twoJobServer(shared, ["--drain-timeout", "0.5"]);
    const step = Number(readFileSync(join(shared, "pid"), "utf8"));
    killAfterTest(step);
    s.proc.kill("SIGTERM");
    expect(await exited(s.proc)).toBe(0);
    await untilSaid(s, "jobs still running after 0.5 s were stopped");
    expect(alive(step)).toBe(false);

    const again = await serve(args, { GANTRY_ADMIN_TOKEN: token });
    const done = await until(
      () => api(again, token, "GET", `/repos/acme/app/actions/runs/${run}`),
      (r) => r.json.status === "completed",
    );
    expect(done.json.conclusion).toBe("failure");
    const jobs = (await api(again, token, "GET", `/repos/acme/app/actions/runs/${run}/jobs`)).json.jobs;
    expect(jobs.find((j: { name: string }) => j.name === "first")).toMatchObject({
      conclusion: "failure",
      failure_reason: "the runner was lost",
    });
    expect(existsSync(join(shared, "ran"))).toBe(false);
  });
});

describe("the CLI as a server's client", () => {
  it("dispatches with checked inputs, follows the logs live, lists runs and prints logs", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml":
          'name: CI\non:\n  workflow_dispatch:\n    inputs:\n      who: { type: string, required: true }\n      times: { type: number, default: 1 }\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "hello ${{ inputs.who }} x${{ inputs.times }}"\n',
      },
    });
    const server = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      "cli-token",
    );
    const env = { GANTRY_SERVER: server.url, GANTRY_TOKEN: "cli-token" };
    const cwd = scratch();

    const bad = await gantry(cwd, ["dispatch", "ci.yml", "--input", "times=many"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^\.github\/workflows\/ci\.yml:\d+:\d+: Input 'who' is required/m);
    expect(bad.stderr).toMatch(/times/);

    const ok = await gantry(cwd, ["dispatch", "ci.yml", "--input", "who=bob", "--input", "times=3"], { env });
    expect(ok.stderr).toBe("");
    const runId = /Run (\d+) queued/.exec(ok.stdout)?.[1] as string;
    expect(runId).toBeDefined();

    const followed = await gantry(cwd, ["logs", runId, "--follow"], { env });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/^greet \| \S+ hello bob x3$/m);
    expect(followed.stdout).toMatch(/Run \d+ completed: success/);

    const runs = await gantry(cwd, ["runs"], { env });
    expect(runs.stdout).toMatch(
      new RegExp(`^success\\s+CI\\s+CI\\s+main\\s+workflow_dispatch\\s+${runId}\\s`, "m"),
    );
    const logs = await gantry(cwd, ["logs", runId, "--repo", "acme/app"], { env });
    expect(logs.stdout).toMatch(/^greet \| \S+ hello bob x3$/m);

    const noToken = await gantry(cwd, ["runs"], { env: { GANTRY_SERVER: server.url, GANTRY_TOKEN: "" } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/GANTRY_TOKEN/);
  });
});

describe("gantry serve: the Actions services", () => {
  it("gives each job the cache service with a token of its own, as gantry run does", async () => {
    // A step asks the cache service (v2 twirp) for a key, with the job's token and with a forged one.
    const ask = [
      "const url = process.env.ACTIONS_RESULTS_URL + 'twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL';",
      "const body = JSON.stringify({ key: 'k', restore_keys: [], version: 'v' });",
      "const call = (t) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer ' + t } });",
      "const own = await call(process.env.ACTIONS_RUNTIME_TOKEN);",
      "const forged = await call('x.y.z');",
      "console.log('own', own.status, JSON.stringify(await own.json()), 'forged', forged.status, process.env.ACTIONS_CACHE_SERVICE_V2);",
      // The token is bound to the job's GITHUB_TOKEN in the store (every server refuses it once
      // the job ends) and names the services' URL the job was given.
      "const claims = JSON.parse(Buffer.from(process.env.ACTIONS_RUNTIME_TOKEN.split('.')[1], 'base64url'));",
      "console.log('bound', /^[0-9]+$/.test(claims.lr), claims.svc === process.env.ACTIONS_RESULTS_URL);",
    ].join("\n");
    const repo = makeRepo({
      files: {
        "ask.mjs": ask,
        ".github/workflows/ci.yml":
          "name: CI\non: workflow_dispatch\njobs:\n  ask:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: node ask.mjs\n",
      },
    });
    const server = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      "svc-token",
    );
    const env = { GANTRY_SERVER: server.url, GANTRY_TOKEN: "svc-token" };
    const cwd = scratch();
    const ok = await gantry(cwd, ["dispatch", "ci.yml"], { env });
    const runId = /Run (\d+) queued/.exec(ok.stdout)?.[1] as string;
    const followed = await gantry(cwd, ["logs", runId, "--follow"], { env });
    expect(followed.stdout).toMatch(
      /own 200 \{"ok":false,"signed_download_url":"","matched_key":""\} forged 401 True/,
    );
    expect(followed.stdout).toMatch(/bound true true/);
    expect(followed.stdout).toMatch(/Run \d+ completed: success/);
  });
});
