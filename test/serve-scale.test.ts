// Issue 16's "Done when", end to end on loopback: a PostgreSQL cluster, an S3-compatible server
// (s3rver), two `gantry serve` processes sharing both (their own pools off), and three
// `gantry runner` processes that know both servers. A pushed commit's jobs spread over the runners
// by label; a runner killed with SIGKILL mid-job is noticed and its job runs again on another; the
// server driving a run is killed with SIGKILL mid-job and the other adopts the run: no run lost, no
// log line lost, no job run twice but the one whose runner was lost; the other keeps serving and
// polling; an SSE stream on one server follows a job whose runner reports to the other.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "./git-remote.js";
import { BIN, git } from "./harness.js";
import { postgresAvailable, startPostgres, type TestPostgres } from "./postgres.js";
import { startS3Server, type TestS3Server } from "./s3-server.js";
import { api, exited, killAfterTest, type Serve, serve, until, untilSaid } from "./serve-harness.js";

const TOKEN = "scale-admin-token";

const runners: ChildProcess[] = [];
const said: (() => string)[] = [];
afterEach(() => {
  for (const p of runners.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

function startRunner(
  urls: string[],
  token: string,
  name: string,
  labels: string[],
): ChildProcess & { err: () => string } {
  const work = mkdtempSync(join(tmpdir(), `gantry-scale-${name}-`));
  const proc = spawn(
    process.execPath,
    [
      BIN,
      "runner",
      "--server",
      urls.join(","),
      "--token",
      token,
      "--name",
      name,
      "--work",
      work,
      "--isolation",
      "none",
      ...(labels.length ? ["--labels", labels.join(",")] : []),
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, GANTRY_HOME: work } },
  );
  runners.push(proc);
  let err = "";
  said.push(() => err);
  proc.stderr?.on("data", (c) => {
    err += c;
  });
  return Object.assign(proc, { err: () => err });
}

interface JobAnswer {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  runner_name: string | null;
}

const jobsOf = async (s: Serve, id: number): Promise<JobAnswer[]> =>
  (await api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs;
const logOf = async (s: Serve, jobId: number): Promise<string> =>
  (await api(s, TOKEN, "GET", `/repos/acme/app/actions/jobs/${jobId}/logs`)).text;

/** An SSE stream's job:log lines as they come. */
function followLines(url: string): { lines: string[]; done: Promise<void> } {
  const lines: string[] = [];
  const done = (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end < 0) break;
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!/^event: job:log$/m.test(block)) continue;
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("\n");
        lines.push(String(JSON.parse(data).line).replace(/^\S+ /, ""));
      }
    }
  })();
  done.catch(() => undefined);
  return { lines, done };
}

describe.runIf(postgresAvailable("two gantry serve and three runners on one PostgreSQL"))(
  "two servers, three runner machines, PostgreSQL and S3",
  () => {
    let cluster: TestPostgres;
    let s3: TestS3Server;
    const servers: Serve[] = [];
    afterEach((context) => {
      if (context.task.result?.state === "fail") {
        for (const s of servers) process.stderr.write(`\n--- ${s.url} said:\n${s.stderr()}\n`);
        for (const r of said) process.stderr.write(`\n--- runner said:\n${r()}\n`);
      }
      said.length = 0;
      servers.length = 0;
    });
    beforeAll(async () => {
      cluster = await startPostgres();
      s3 = await startS3Server(mkdtempSync(join(tmpdir(), "gantry-scale-s3-")));
      await s3.createBucket("gantry-scale");
    });
    afterAll(async () => {
      await s3?.close();
      await cluster?.stop();
    });

    it("spreads jobs by label, survives a runner and a server killed mid-job, and follows a job across servers", async () => {
      const shared = mkdtempSync(join(tmpdir(), "gantry-scale-shared-"));
      // gpu and arm each need their runner; wait runs anywhere and holds until the test lets it go.
      const hold = [
        `echo "wait on $RUNNER_NAME" && echo "$GITHUB_RUN_ID $RUNNER_NAME" >> ${shared}/wait-ran`,
        `echo $$ >> ${shared}/pids`,
        `while [ ! -f ${shared}/go-$GITHUB_RUN_ID ]; do sleep 0.2; done`,
        "for i in 1 2 3 4 5; do echo line-$i; done",
      ].join(" && ");
      const remote = makeRemote({
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  gpu:
    runs-on: [self-hosted, gpu]
    steps:
      - uses: actions/checkout@v4
      - run: cat README.md && echo "gpu on $RUNNER_NAME"
  arm:
    runs-on: [self-hosted, arm]
    steps:
      - run: echo "arm on $RUNNER_NAME"
  wait:
    needs: [gpu, arm]
    runs-on: ubuntu-latest
    steps:
      - run: ${hold}
`,
        "README.md": "the pushed commit\n",
      });
      const database = await cluster.createDatabase();
      const masterKey = randomBytes(32).toString("hex");
      const blobs = `s3://gantry-scale/ci?endpoint=${s3.endpoint}&region=us-east-1`;
      const config = `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${remote.origin}, poll_interval_seconds: 1 }\nrunners:\n  slots: 0\n  isolation: none\n  lease_seconds: 2\nretries:\n  lost_runner: 1\nlimits:\n  auth_failures_per_minute: 1000\n`;
      const start = async () => {
        const dir = mkdtempSync(join(tmpdir(), "gantry-scale-"));
        writeFileSync(join(dir, "config.yml"), config);
        const s = await serve(
          [
            "--data",
            join(dir, "data"),
            "--config",
            join(dir, "config.yml"),
            "--database",
            database,
            "--blobs",
            blobs,
          ],
          { GANTRY_ADMIN_TOKEN: TOKEN, GANTRY_MASTER_KEY: masterKey, ...s3.env },
        );
        servers.push(s);
        return s;
      };
      const a = await start();
      await untilSaid(a, "this server leads now");
      const b = await start();
      const token = (await api(b, TOKEN, "POST", "/actions/runners/registration-token")).json.token as string;
      // Each runner knows both servers; the first it names is where it goes while that one answers.
      const gpu = startRunner([a.url, b.url], token, "gpu-1", ["gpu"]);
      const arm = startRunner([b.url, a.url], token, "arm-1", ["arm"]);
      const spare = startRunner([b.url, a.url], token, "spare-1", ["gpu", "arm"]);
      for (const r of [gpu, arm, spare])
        await until(
          async () => r.err(),
          (e) => e.includes("waiting for jobs"),
        );
      const listed = (await api(a, TOKEN, "GET", "/actions/runners")).json.runners as {
        name: string;
        status: string;
      }[];
      expect(
        listed
          .filter((r) => r.name !== "gantry")
          .map((r) => r.name)
          .sort(),
      ).toEqual(["arm-1", "gpu-1", "spare-1"]);

      // A push: A (the leader) polls it and drives its run.
      const sha = commitFiles(remote.work, { "README.md": "push one\n" }, "push one");
      git(remote.work, "push", "-q", "origin", "main");
      const run = (
        await until(
          async () =>
            (
              await api(b, TOKEN, "GET", "/repos/acme/app/actions/runs")
            ).json.workflow_runs as { id: number; head_sha: string }[],
          (list) => list.some((r) => r.head_sha === sha),
        )
      ).find((r) => r.head_sha === sha) as { id: number };
      const id = run.id;

      // B's SSE stream follows the run A drives, whose jobs' runners report to either server.
      const stream = followLines(`${b.url}/api/v1/events?run_id=${id}`);
      const [first] = await Promise.all([
        until(
          () => jobsOf(a, id),
          (jobs) => jobs.find((j) => j.name === "wait")?.status === "in_progress",
        ),
      ]);
      const byName = Object.fromEntries(first.map((j) => [j.name, j]));
      expect(byName.gpu.conclusion).toBe("success");
      expect(byName.arm.conclusion).toBe("success");
      expect(["gpu-1", "spare-1"]).toContain(byName.gpu.runner_name);
      expect(["arm-1", "spare-1"]).toContain(byName.arm.runner_name);
      expect(await logOf(b, byName.gpu.id)).toContain("push one");

      // The runner of `wait` dies with SIGKILL mid-job: its lease runs out, the job runs again on another.
      const waitJob = byName.wait;
      await until(
        () => logOf(a, waitJob.id),
        (l) => l.includes("wait on "),
      );
      const holder = waitJob.runner_name as string;
      const victim = { "gpu-1": gpu, "arm-1": arm, "spare-1": spare }[holder];
      expect(victim).toBeDefined();
      victim?.kill("SIGKILL");
      await until(
        () => logOf(a, waitJob.id),
        (l) =>
          l.includes("the job is queued again") && (l.match(/wait on (arm|gpu|spare)-1/g) ?? []).length >= 2,
      );
      writeFileSync(join(shared, `go-${id}`), "");
      const firstDone = await until(
        () => api(b, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}`),
        (r) => r.json.status === "completed",
      );
      expect(firstDone.json.conclusion).toBe("success");
      const ranFirst = readFileSync(join(shared, "wait-ran"), "utf8").split("\n").filter(Boolean);
      // Twice only because its runner was lost: once on the victim, then on another.
      expect(ranFirst).toEqual([
        `${id} ${holder}`,
        expect.stringMatching(new RegExp(`^${id} (?!${holder}$)`)),
      ]);
      // B's stream saw the run's lines as they came, whichever server each runner reported to.
      await until(
        async () => stream.lines,
        (lines) => lines.includes("line-5"),
      );
      expect(stream.lines.filter((l) => l === "line-3")).toHaveLength(1);

      // A second push; A, the server driving its run, dies with SIGKILL while `wait` runs.
      const sha2 = commitFiles(remote.work, { "README.md": "push two\n" }, "push two");
      git(remote.work, "push", "-q", "origin", "main");
      const id2 = (
        await until(
          async () =>
            (
              await api(b, TOKEN, "GET", "/repos/acme/app/actions/runs")
            ).json.workflow_runs as {
              id: number;
              head_sha: string;
            }[],
          (list) => list.some((r) => r.head_sha === sha2),
        )
      ).find((r) => r.head_sha === sha2)?.id as number;
      const wait2 = (
        await until(
          () => jobsOf(b, id2),
          (jobs) => jobs.find((j) => j.name === "wait")?.status === "in_progress",
        )
      ).find((j) => j.name === "wait") as JobAnswer;
      await until(
        () => logOf(b, wait2.id),
        (l) => l.includes("wait on "),
      );
      a.proc.kill("SIGKILL");
      await exited(a.proc);
      await untilSaid(b, `adopted run ${id2} `);
      writeFileSync(join(shared, `go-${id2}`), "");
      const done = await until(
        () => api(b, TOKEN, "GET", `/repos/acme/app/actions/runs/${id2}`),
        (r) => r.json.status === "completed",
      );
      expect(done.json.conclusion).toBe("success");
      expect((await jobsOf(b, id2)).map((j) => [j.name, j.conclusion]).sort()).toEqual([
        ["arm", "success"],
        ["gpu", "success"],
        ["wait", "success"],
      ]);
      // No job ran twice: the runner kept its job while its server changed.
      const ranSecond = readFileSync(join(shared, "wait-ran"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith(`${id2} `));
      expect(ranSecond).toHaveLength(1);
      // No log line lost with the server that died: every line of the job, once.
      const log = await logOf(b, wait2.id);
      expect(log.match(/wait on (arm|gpu|spare)-1/g)).toHaveLength(1);
      for (let i = 1; i <= 5; i++) expect(log.match(new RegExp(`line-${i}\\b`, "g"))).toHaveLength(1);

      // B keeps serving and polling: the next push runs on the runners still alive.
      const sha3 = commitFiles(remote.work, { "README.md": "push three\n" }, "push three");
      git(remote.work, "push", "-q", "origin", "main");
      const third = await until(
        async () =>
          (await api(b, TOKEN, "GET", "/repos/acme/app/actions/runs")).json.workflow_runs as {
            id: number;
            head_sha: string;
            status: string;
            conclusion: string;
          }[],
        (list) => {
          const r = list.find((x) => x.head_sha === sha3);
          if (r) writeFileSync(join(shared, `go-${r.id}`), "");
          return r?.status === "completed";
        },
      );
      expect(third.find((r) => r.head_sha === sha3)?.conclusion).toBe("success");
      for (const pid of readFileSync(join(shared, "pids"), "utf8").split("\n").filter(Boolean)) {
        killAfterTest(Number(pid));
      }
    }, 180_000);
  },
);
