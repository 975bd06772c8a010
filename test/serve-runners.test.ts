// Runner machines on the real server: `gantry runner` processes (each with a work folder of its
// own, sharing no disk with the server) register with a registration token, take the jobs whose
// runs-on their labels satisfy, fetch the run's commit over git and report every line; a runner
// killed with SIGKILL is noticed when its lease runs out and its job runs again elsewhere (or fails
// with "the runner was lost"); a runner that comes back after its job was given to another is
// refused; a cancel reaches a runner's step; a job's secrets reach no file of the runner; an
// ephemeral runner takes one job and leaves; SIGTERM drains a runner.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, makeRepo } from "./harness.js";
import { api, exited, type Serve, serve, serveWithConfig, until, untilSaid } from "./serve-harness.js";

const ADMIN = "gantry_runners_e2e_admin_token";

const CONFIG = (repo: string, extra = "") => `repo_url_schemes: [file]
limits:
  auth_failures_per_minute: 1000
runners:
  slots: 0
  isolation: none
  lease_seconds: 2
secrets:
  DEPLOY_KEY: s3cr3t-deploy-key-value
repos:
  - owner: acme
    name: app
    url: ${repo}
${extra}`;

const runners: ChildProcess[] = [];
afterEach(() => {
  for (const p of runners.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

interface Runner {
  proc: ChildProcess;
  work: string;
  stderr: () => string;
}

/** Starts `gantry runner` with its own work folder; resolves once it is registered. */
async function startRunner(s: Serve, token: string, name: string, args: string[] = []): Promise<Runner> {
  const work = mkdtempSync(join(tmpdir(), `gantry-runner-${name}-`));
  const proc = spawn(
    process.execPath,
    [
      BIN,
      "runner",
      "--server",
      s.url,
      "--token",
      token,
      "--name",
      name,
      "--work",
      work,
      "--isolation",
      "none",
      ...args,
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, GANTRY_HOME: work } },
  );
  runners.push(proc);
  let err = "";
  proc.stderr?.on("data", (c) => {
    err += c;
  });
  await until(
    async () => err,
    (e) => {
      if (proc.exitCode !== null) throw new Error(`gantry runner exited: ${e}`);
      return e.includes("waiting for jobs");
    },
  );
  return { proc, work, stderr: () => err };
}

async function registrationToken(s: Serve): Promise<string> {
  const answer = await api(s, ADMIN, "POST", "/actions/runners/registration-token");
  expect(answer.status).toBe(201);
  return answer.json.token as string;
}

async function dispatch(s: Serve, file: string): Promise<number> {
  const answer = await api(s, ADMIN, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  });
  expect(answer.status, answer.text).toBe(200);
  return answer.json.workflow_run_id as number;
}

const completed = (s: Serve, id: number) =>
  until(
    () => api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${id}`),
    (r) => r.json.status === "completed",
  );

async function jobsOf(s: Serve, id: number): Promise<Array<Record<string, unknown>>> {
  return (await api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs;
}

async function logOf(s: Serve, jobId: number): Promise<string> {
  return (await api(s, ADMIN, "GET", `/repos/acme/app/actions/jobs/${jobId}/logs`)).text;
}

/** The run's (first) job once its log says it started on `runner`. */
async function startedOn(s: Serve, id: number, runner: string): Promise<Record<string, unknown>> {
  const [job] = await until(
    () => jobsOf(s, id),
    (j) => j[0]?.status === "in_progress",
  );
  await until(
    () => logOf(s, job.id as number),
    (l) => l.includes(`started on ${runner}`),
  );
  return job;
}

/** Every file under `dir` (its contents), for looking for a secret. */
function allText(dir: string): string {
  let out = "";
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, entry);
    try {
      if (statSync(path).isFile()) out += readFileSync(path, "latin1");
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const SPREAD = `name: Spread
on: workflow_dispatch
jobs:
  gpu:
    runs-on: [self-hosted, gpu]
    steps:
      - uses: actions/checkout@v4
      - run: cat README.md && echo "runner=$RUNNER_NAME"
  arm:
    runs-on: [self-hosted, arm]
    steps:
      - run: echo "runner=$RUNNER_NAME"
  either:
    runs-on: ubuntu-latest
    needs: [gpu, arm]
    steps:
      - run: echo "key=\${{ secrets.DEPLOY_KEY }}" && echo "\${{ secrets.DEPLOY_KEY }}" > mine.txt
`;

const SLOW = `name: Slow
on: workflow_dispatch
jobs:
  slow:
    runs-on: [self-hosted, linux]
    steps:
      - run: echo "started on $RUNNER_NAME" && sleep 8 && echo "finished on $RUNNER_NAME"
`;

describe("runner machines", () => {
  it("spread jobs by label, check out the commit, mask secrets and leave none on disk", async () => {
    const repo = makeRepo({
      files: { ".github/workflows/spread.yml": SPREAD, "README.md": "hello from the commit\n" },
    });
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const token = await registrationToken(s);
    const gpu = await startRunner(s, token, "gpu-box", ["--labels", "gpu"]);
    const arm = await startRunner(s, token, "arm-box", ["--labels", "arm"]);
    const id = await dispatch(s, "spread.yml");
    const run = await completed(s, id);
    expect(run.json.conclusion).toBe("success");
    const jobs = await jobsOf(s, id);
    const byName = Object.fromEntries(jobs.map((j) => [j.name, j]));
    expect(byName.gpu.runner_name).toBe("gpu-box");
    expect(byName.arm.runner_name).toBe("arm-box");
    expect(["gpu-box", "arm-box"]).toContain(byName.either.runner_name);
    const gpuLog = await logOf(s, byName.gpu.id as number);
    expect(gpuLog).toContain("hello from the commit");
    expect(gpuLog).toContain("runner=gpu-box");
    const secretLog = await logOf(s, byName.either.id as number);
    expect(secretLog).toContain("key=***");
    expect(secretLog).not.toContain("s3cr3t-deploy-key-value");
    // Nothing of the job's secrets stays on the runners' disks (the job's folder is gone too).
    for (const r of [gpu, arm]) expect(allText(r.work)).not.toContain("s3cr3t-deploy-key-value");
    // The runners' credentials are theirs alone.
    for (const r of [gpu, arm]) expect(statSync(join(r.work, ".runner")).mode & 0o077).toBe(0);
  }, 120_000);

  it("retries the job of a runner killed mid-job on another, and fails it when no retry is left", async () => {
    const repo = makeRepo({ files: { ".github/workflows/slow.yml": SLOW } });
    const s = await serveWithConfig(CONFIG(repo, "retries:\n  lost_runner: 1\n"), ADMIN);
    const token = await registrationToken(s);
    const first = await startRunner(s, token, "first");
    const id = await dispatch(s, "slow.yml");
    const job = await startedOn(s, id, "first");
    first.proc.kill("SIGKILL");
    await exited(first.proc);
    await startRunner(s, token, "second");
    const run = await completed(s, id);
    expect(run.json.conclusion).toBe("success");
    const [again] = await jobsOf(s, id);
    expect(again.runner_name).toBe("second");
    const log = await logOf(s, again.id as number);
    expect(log).toContain("the job is queued again");
    expect(log).toContain("finished on second");
    expect(log).not.toContain("finished on first");

    // No retry left (lost_runner 0 on a second server): the job fails, saying why.
    const other = await serveWithConfig(CONFIG(repo), ADMIN);
    const t2 = await registrationToken(other);
    const lone = await startRunner(other, t2, "lone");
    const id2 = await dispatch(other, "slow.yml");
    const j2 = await startedOn(other, id2, "lone");
    lone.proc.kill("SIGKILL");
    const failed = await completed(other, id2);
    expect(failed.json.conclusion).toBe("failure");
    expect(await logOf(other, j2.id as number)).toContain("Error: the runner was lost");
  }, 120_000);

  it("refuses a runner that comes back after its job was given to another", async () => {
    const repo = makeRepo({ files: { ".github/workflows/slow.yml": SLOW } });
    const s = await serveWithConfig(CONFIG(repo, "retries:\n  lost_runner: 1\n"), ADMIN);
    const token = await registrationToken(s);
    const paused = await startRunner(s, token, "paused");
    const id = await dispatch(s, "slow.yml");
    const job = await startedOn(s, id, "paused");
    // Stopped, not killed: it cannot renew its lease, and the job goes to another runner.
    paused.proc.kill("SIGSTOP");
    await startRunner(s, token, "taker");
    await until(
      () => logOf(s, job.id as number),
      (l) => l.includes("started on taker"),
    );
    paused.proc.kill("SIGCONT");
    const run = await completed(s, id);
    expect(run.json.conclusion).toBe("success");
    const log = await logOf(s, job.id as number);
    expect(log).toContain("finished on taker");
    // The first runner's step went on (it slept through the pause) but its word counts no more.
    await untilSaid(paused, "took the job back");
    expect(await logOf(s, job.id as number)).not.toContain("finished on paused");
  }, 120_000);

  it("reaches a runner's step with a cancel, runs one job on an ephemeral runner, drains on SIGTERM", async () => {
    const repo = makeRepo({ files: { ".github/workflows/slow.yml": SLOW.replace("sleep 8", "sleep 60") } });
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const token = await registrationToken(s);
    await startRunner(s, token, "steady");
    const id = await dispatch(s, "slow.yml");
    const job = await startedOn(s, id, "steady");
    expect((await api(s, ADMIN, "POST", `/repos/acme/app/actions/runs/${id}/cancel`)).status).toBe(202);
    const cancelled = await completed(s, id);
    expect(cancelled.json.conclusion).toBe("cancelled");
    expect(await logOf(s, job.id as number)).not.toContain("finished on steady");

    // SIGTERM: the running job finishes, no new one is taken, the runner exits.
    const quick = makeRepo({ files: { ".github/workflows/slow.yml": SLOW.replace("sleep 8", "sleep 2") } });
    const s2 = await serveWithConfig(CONFIG(quick), ADMIN);
    const t2 = await registrationToken(s2);
    const drained = await startRunner(s2, t2, "drained");
    const id2 = await dispatch(s2, "slow.yml");
    const j2 = await startedOn(s2, id2, "drained");
    drained.proc.kill("SIGTERM");
    expect(await exited(drained.proc)).toBe(0);
    expect((await completed(s2, id2)).json.conclusion).toBe("success");

    // Ephemeral: one job, then it leaves and its registration goes.
    const eph = await startRunner(s2, t2, "once", ["--ephemeral"]);
    const id3 = await dispatch(s2, "slow.yml");
    expect((await completed(s2, id3)).json.conclusion).toBe("success");
    expect(await exited(eph.proc)).toBe(0);
    const id4 = await dispatch(s2, "slow.yml");
    // Nobody runs the next one: the ephemeral runner is gone.
    const [j4] = await until(
      () => jobsOf(s2, id4),
      (j) => j.length > 0,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect((await jobsOf(s2, id4))[0].status).toBe("queued");
    expect(j4.runner_name ?? null).toBeNull();
  }, 150_000);

  it("hands a job back at the drain timeout with every line it reported in the job's log, another runner taking it at once", async () => {
    const shared = mkdtempSync(join(tmpdir(), "gantry-handback-"));
    // Each line goes to a file of the test's first, then to the log: the log must hold every line
    // the file does (but the last, when the step was stopped between the two).
    const workflow = `name: Chatty
on: workflow_dispatch
jobs:
  chatty:
    runs-on: [self-hosted, linux]
    steps:
      - run: |
          if [ -e ${shared}/again ]; then echo "finished on $RUNNER_NAME"; exit 0; fi
          echo "started on $RUNNER_NAME"; i=0
          while true; do
            for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
              i=$((i+1)); echo "tick $i" >> ${shared}/ticks; echo "tick $i"
            done
            sleep 0.01
          done
`;
    const repo = makeRepo({ files: { ".github/workflows/chatty.yml": workflow } });
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const token = await registrationToken(s);
    const leaving = await startRunner(s, token, "leaving", ["--drain-timeout", "1"]);
    const id = await dispatch(s, "chatty.yml");
    const job = await startedOn(s, id, "leaving");
    // Another runner waits for work: it claims the job the moment it is handed back.
    writeFileSync(join(shared, "again"), "");
    await startRunner(s, token, "taker");
    leaving.proc.kill("SIGTERM");
    expect(await exited(leaving.proc)).toBe(0);
    expect(leaving.stderr()).toContain("handed back");
    expect((await completed(s, id)).json.conclusion).toBe("success");
    const log = await logOf(s, job.id as number);
    expect(log).toContain("finished on taker");
    const written = readFileSync(join(shared, "ticks"), "utf8").split("\n").filter(Boolean);
    const logged = new Set(log.split("\n").map((l) => l.replace(/^\S+ /, "")));
    expect(written.length).toBeGreaterThan(10);
    expect(written.slice(0, -1).filter((t) => !logged.has(t))).toEqual([]);
  }, 120_000);

  it("keeps a runner machine's job and its GITHUB_TOKEN through a crash and restart of the server", async () => {
    const gate = join(mkdtempSync(join(tmpdir(), "gantry-gate-")), "open");
    const workflow = `name: Outlive
on: workflow_dispatch
jobs:
  long:
    runs-on: [self-hosted, linux]
    steps:
      - run: echo "started on $RUNNER_NAME" && while [ ! -e ${gate} ]; do sleep 0.2; done
      - env:
          TOKEN: \${{ github.token }}
        run: |
          curl -sS -o /dev/null -w "api=%{http_code}\\n" -H "Authorization: Bearer $TOKEN" "$GITHUB_API_URL/repos/acme/app"
`;
    const repo = makeRepo({ files: { ".github/workflows/outlive.yml": workflow } });
    const port = await freePort();
    const config = CONFIG(repo).replace("lease_seconds: 2", "lease_seconds: 30");
    const s = await serveWithConfig(config, ADMIN, ["--port", String(port)]);
    const token = await registrationToken(s);
    await startRunner(s, token, "keeper");
    const id = await dispatch(s, "outlive.yml");
    const job = await startedOn(s, id, "keeper");
    s.proc.kill("SIGKILL");
    await exited(s.proc);
    // The same data, the same address: the runner reaches it again with its job still running.
    const again = await serve([...s.args, "--port", String(port)], { GANTRY_ADMIN_TOKEN: ADMIN });
    writeFileSync(gate, "");
    const run = await completed(again, id);
    expect(run.json.conclusion).toBe("success");
    const log = await logOf(again, job.id as number);
    expect(log).toContain("api=200");
    expect((await jobsOf(again, id))[0].runner_name).toBe("keeper");
  }, 120_000);

  it("removes runners not heard from past GitHub's limits: an ephemeral one after a day, others after 14", async () => {
    const repo = makeRepo({ files: { ".github/workflows/slow.yml": SLOW } });
    const clock = join(mkdtempSync(join(tmpdir(), "gantry-clock-")), "offset");
    const s = await serveWithConfig(CONFIG(repo), ADMIN, [], { GANTRY_TEST_CLOCK_FILE: clock });
    const token = await registrationToken(s);
    for (const [name, ephemeral] of [
      ["steady-box", false],
      ["one-shot", true],
    ] as const) {
      const answer = await fetch(`${s.url}/_runner/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, name, os: "Linux", arch: "X64", ephemeral }),
      });
      expect(answer.status).toBe(201);
    }
    const names = async () =>
      ((await api(s, ADMIN, "GET", "/actions/runners")).json.runners as Array<{ name: string }>).map(
        (r) => r.name,
      );
    expect(await names()).toEqual(["steady-box", "one-shot"]);
    const hours = (h: number) => writeFileSync(clock, String(h * 3600 * 1000));
    // A day and an hour: the ephemeral one goes, alone (both at once would never show one left).
    hours(25);
    await until(names, (n) => n.length < 2);
    expect(await names()).toEqual(["steady-box"]);
    hours(14 * 24 + 1);
    await until(names, (n) => n.length === 0);
    const trail = await api(s, ADMIN, "GET", "/audit-log?action=org.remove_self_hosted_runner&order=asc");
    const entries = trail.json as Array<{ actor: string; details: { name: string; reason: string } }>;
    expect(entries.map((e) => e.details.name)).toEqual(["one-shot", "steady-box"]);
    expect(entries.every((e) => e.details.reason === "not heard from")).toBe(true);
  }, 90_000);

  it("refuses an unknown registration token, an API token and a wrong credential on the protocol", async () => {
    const repo = makeRepo({ files: { ".github/workflows/slow.yml": SLOW } });
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const register = (token: string) =>
      fetch(`${s.url}/_runner/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, name: "x", os: "Linux", arch: "X64" }),
      });
    expect((await register("gantry_reg_0000")).status).toBe(401);
    expect((await register(ADMIN)).status).toBe(401);
    const claim = (auth: string) =>
      fetch(`${s.url}/_runner/claim`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: auth },
        body: JSON.stringify({ free: 1, wait: 0 }),
      });
    expect((await claim(`Bearer ${ADMIN}`)).status).toBe(401);
    expect((await claim("Bearer gantry_runner_nope")).status).toBe(401);
    // A registration token is not an API token either.
    const token = await registrationToken(s);
    expect((await api(s, token, "GET", "/repos/acme/app/actions/runs")).status).toBe(401);
    // A name taken is refused, and the token registers others.
    const ok = await register(token);
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { credential: string };
    expect(body.credential).toMatch(/^gantry_runner_/);
    expect((await register(token)).status).toBe(409);
    expect((await claim(`Bearer ${body.credential}`)).status).toBe(200);
  }, 60_000);
});

/** A loopback port free now, for a server that must come back at the same address. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
