// Several `gantry serve` processes on one PostgreSQL database and one blob store (issue 16, part 3),
// end to end: two real servers on loopback share a throwaway cluster (test/postgres.ts) and a
// file:// blob store. A run dispatched to one is seen through the other, the other's SSE stream
// follows it live; the one driving it is killed with SIGKILL mid-job and the other adopts the run,
// retries the lost job as configured and finishes it without running any job twice, then goes on
// polling the repository and ticking its schedule (on the test clock), each tick once.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { queryStore } from "./db-query.js";
import { commitFiles, makeRemote } from "./git-remote.js";
import { git } from "./harness.js";
import { postgresAvailable, startPostgres, type TestPostgres } from "./postgres.js";
import { api, exited, killAfterTest, type Serve, serve, until, untilSaid } from "./serve-harness.js";

const TOKEN = "servers-admin-token";

function indent(script: string, by: string): string {
  return script
    .split("\n")
    .map((l) => `${by}${l}`)
    .join("\n");
}

/** The runs of acme/app as one server lists them. */
async function runs(
  s: Serve,
): Promise<
  { id: number; event: string; status: string; conclusion: string; head_sha: string; name: string }[]
> {
  const answer = await api(s, TOKEN, "GET", "/repos/acme/app/actions/runs?per_page=100");
  expect(answer.status, answer.text).toBe(200);
  return answer.json.workflow_runs;
}

/** An SSE stream's events as they come (event name and parsed data). */
function follow(url: string): {
  events: { event: string; data: { [k: string]: unknown } }[];
  done: Promise<void>;
} {
  const events: { event: string; data: { [k: string]: unknown } }[] = [];
  const done = (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end < 0) break;
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("\n");
        events.push({ event, data: data ? JSON.parse(data) : {} });
      }
    }
  })();
  // A stream cut short fails the test where it is awaited, not as an unhandled rejection.
  done.catch(() => undefined);
  return { events, done };
}

/** A server on the shared database and blob store, with a data directory of its own (`dir`). */
async function startServer(
  config: string,
  database: string,
  blobs: string,
  env: Record<string, string>,
): Promise<Serve & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-servers-"));
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
    // The servers of one database share its master key (its secrets are sealed under it).
    { GANTRY_ADMIN_TOKEN: TOKEN, ...env },
  );
  return { ...s, dir };
}

describe.runIf(postgresAvailable("two gantry serve on one PostgreSQL"))(
  "several servers on one database",
  () => {
    let cluster: TestPostgres;
    /** The servers of the test: what they said is shown when it fails. */
    const servers: Serve[] = [];
    afterEach((context) => {
      if (context.task.result?.state === "fail")
        for (const s of servers) process.stderr.write(`\n--- ${s.url} said:\n${s.stderr()}\n`);
      servers.length = 0;
    });
    beforeAll(async () => {
      cluster = await startPostgres();
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it("share runs and live events; a killed server's run is adopted and finished, polling and schedules go on", async () => {
      const shared = mkdtempSync(join(tmpdir(), "gantry-servers-shared-"));
      const clock = join(mkdtempSync(join(tmpdir(), "gantry-servers-clock-")), "offset");
      writeFileSync(clock, "0");
      const hold = [
        `echo b >> ${shared}/ran`,
        `if [ -f ${shared}/once ]; then echo second-try; exit 0; fi`,
        `touch ${shared}/once`,
        `echo $$ > ${shared}/pid`,
        "echo before-kill",
        "sleep 300",
      ].join("\n");
      const remote = makeRemote({
        ".github/workflows/chain.yml": `name: Chain\non: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo a >> ${shared}/ran\n  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n${indent(hold, "          ")}\n  c:\n    needs: b\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo c >> ${shared}/ran\n`,
        ".github/workflows/nightly.yml":
          "name: Nightly\non:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  tick:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo tick\n",
        ".github/workflows/ci.yml":
          "name: CI\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo built\n",
      });
      const database = await cluster.createDatabase();
      const masterKey = randomBytes(32).toString("hex");
      const blobs = `file://${mkdtempSync(join(tmpdir(), "gantry-servers-blobs-"))}`;
      const config = `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${remote.origin}, poll_interval_seconds: 1 }\nrunners:\n  slots: 2\n  isolation: none\nretries:\n  lost_runner: 1\n`;
      const start = () =>
        startServer(config, database, blobs, { GANTRY_TEST_CLOCK_FILE: clock, GANTRY_MASTER_KEY: masterKey });
      const a = await start();
      servers.push(a);
      // A leads (it came first): it polls and ticks.
      await untilSaid(a, "this server leads now");
      const b = await start();
      servers.push(b);
      expect(b.stderr()).not.toContain("this server leads now");

      // A has seen the nightly schedule (its first sight, from now on, recorded as its last tick):
      // the clock moved before that would make the 03:00 below a tick of the past, never run.
      const sawSchedule = async () =>
        (
          await queryStore({ data: a.dir, database }, (db) =>
            db.selectFrom("trigger_state").select("name").where("kind", "=", "tick").execute(),
          )
        ).length > 0;
      await until(sawSchedule, (seen) => seen);
      // One tick of the nightly schedule, on A: the clock moved past the next 03:00.
      const now = Date.now();
      const next3 = new Date(now);
      next3.setUTCHours(3, 0, 0, 0);
      if (next3.getTime() <= now) next3.setUTCDate(next3.getUTCDate() + 1);
      // A looked at the schedule when it started leading (first sight: from now on), before B started.
      writeFileSync(clock, String(next3.getTime() - now + 60_000));
      const ticked = await until(
        () => runs(b),
        (list) => list.some((r) => r.event === "schedule" && r.status === "completed"),
      );
      expect(ticked.filter((r) => r.event === "schedule")).toHaveLength(1);

      // A run dispatched to A is B's to see; B's SSE stream follows it as A drives it.
      const dispatched = await api(
        a,
        TOKEN,
        "POST",
        "/repos/acme/app/actions/workflows/chain.yml/dispatches",
        {
          ref: "main",
          return_run_details: true,
        },
      );
      expect(dispatched.status, dispatched.text).toBe(200);
      const id = dispatched.json.workflow_run_id as number;
      const seenOnB = await api(b, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}`);
      expect(seenOnB.status, seenOnB.text).toBe(200);
      expect(seenOnB.json.name).toBe("Chain");
      const stream = follow(`${b.url}/api/v1/events?run_id=${id}`);
      await until(
        async () => stream.events,
        (events) => events.some((e) => e.event === "job:log" && String(e.data.line).endsWith(" before-kill")),
      );
      expect(existsSync(join(shared, "pid"))).toBe(true);
      killAfterTest(Number(readFileSync(join(shared, "pid"), "utf8")));
      // A sends the running job's log to the blob store as it grows (within 100 ms of a line): what
      // it sent before it dies is not lost. (B would read A's file here: one machine.)
      const blobsDir = blobs.slice("file://".length);
      await until(
        async () =>
          (readdirSync(join(blobsDir, "logs"), { recursive: true }) as string[])
            .filter((f) => f.includes(".live/") && statSync(join(blobsDir, "logs", f)).isFile())
            .map((f) => readFileSync(join(blobsDir, "logs", f), "utf8"))
            .join(""),
        (text) => text.includes(" before-kill\n"),
      );
      // A dies mid-job.
      const killedAt = Date.now();
      a.proc.kill("SIGKILL");
      await exited(a.proc);
      // With its machine: B reads nothing of A's disk (here, the same machine's) from now on.
      rmSync(a.dir, { recursive: true, force: true });
      await untilSaid(b, "this server leads now");
      const leadAt = Date.now();
      await untilSaid(b, `adopted run ${id} `);
      const adoptedAt = Date.now();
      process.stderr.write(
        `\nserve-servers: after SIGKILL of the leader, the other led in ${leadAt - killedAt} ms and adopted its run in ${adoptedAt - killedAt} ms\n`,
      );

      // B finishes the run: the lost job ran again (retries.lost_runner: 1), none twice otherwise.
      const done = await until(
        () => api(b, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}`),
        (r) => r.json.status === "completed",
      );
      expect(done.json.conclusion).toBe("success");
      const jobs = (await api(b, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs as {
        id: number;
        name: string;
        conclusion: string;
      }[];
      expect(jobs.map((j) => [j.name, j.conclusion])).toEqual([
        ["a", "success"],
        ["b", "success"],
        ["c", "success"],
      ]);
      expect(readFileSync(join(shared, "ran"), "utf8").split("\n").filter(Boolean)).toEqual([
        "a",
        "b",
        "b",
        "c",
      ]);
      const lost = jobs.find((j) => j.name === "b");
      const log = (await api(b, TOKEN, "GET", `/repos/acme/app/actions/jobs/${lost?.id}/logs`)).text;
      // No line is lost: what A wrote before it died, then the retry's, each once.
      expect(log).toMatch(
        /\n\S+ before-kill\n[\s\S]*the runner was lost; the job is queued again \(retry 1 of 1\)[\s\S]*second-try/,
      );
      expect(log.match(/ before-kill\n/g)).toHaveLength(1);
      // B's stream went on to the end of the run, each event once.
      await stream.done;
      const completed = stream.events.filter((e) => e.event === "run:completed");
      expect(completed).toHaveLength(1);
      expect(completed[0].data.conclusion).toBe("success");
      // Log lines come stamped with their time.
      const lines = stream.events
        .filter((e) => e.event === "job:log")
        .map((e) => String(e.data.line).replace(/^\S+ /, ""));
      expect(lines.filter((l) => l === "before-kill")).toHaveLength(1);
      expect(lines).toContain("second-try");

      // B polls now: a push to the repository starts its run, once.
      const sha = commitFiles(remote.work, { "README.md": "more\n" }, "after the kill");
      git(remote.work, "push", "-q", "origin", "main");
      const pushed = await until(
        () => runs(b),
        (list) => list.some((r) => r.head_sha === sha && r.event === "push" && r.status === "completed"),
      );
      expect(pushed.filter((r) => r.head_sha === sha && r.event === "push")).toHaveLength(1);

      // And ticks: the next 03:00 on the test clock starts one more nightly run, on B.
      writeFileSync(clock, String(next3.getTime() - now + 24 * 3600_000 + 60_000));
      const twice = await until(
        () => runs(b),
        (list) => list.filter((r) => r.event === "schedule" && r.status === "completed").length >= 2,
      );
      expect(twice.filter((r) => r.event === "schedule")).toHaveLength(2);
      // Every run completed, none left to anyone.
      expect((await runs(b)).every((r) => r.status === "completed")).toBe(true);
    }, 120_000);

    it("a server paused past its heartbeat writes nothing when it comes back, and stops: no job runs twice", async () => {
      const shared = mkdtempSync(join(tmpdir(), "gantry-servers-paused-"));
      const hold = [
        `echo b >> ${shared}/ran`,
        `if [ -f ${shared}/once ]; then echo second-try; exit 0; fi`,
        `touch ${shared}/once`,
        `echo $$ > ${shared}/pid`,
        "echo before-pause",
        `while [ ! -e ${shared}/gate ]; do sleep 0.1; done`,
      ].join("\n");
      const remote = makeRemote({
        ".github/workflows/chain.yml": `name: Chain\non: workflow_dispatch\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n${indent(hold, "          ")}\n  c:\n    needs: b\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo c >> ${shared}/ran\n`,
      });
      const database = await cluster.createDatabase();
      const blobs = `file://${mkdtempSync(join(tmpdir(), "gantry-servers-blobs-"))}`;
      const config = `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${remote.origin} }\nrunners:\n  slots: 2\n  isolation: none\nretries:\n  lost_runner: 1\n`;
      const env = { GANTRY_MASTER_KEY: randomBytes(32).toString("hex") };
      const a = await startServer(config, database, blobs, env);
      servers.push(a);
      await untilSaid(a, "this server leads now");
      const b = await startServer(config, database, blobs, env);
      servers.push(b);
      const dispatch = async (s: Serve) => {
        const answer = await api(s, TOKEN, "POST", "/repos/acme/app/actions/workflows/chain.yml/dispatches", {
          ref: "main",
          return_run_details: true,
        });
        expect(answer.status, answer.text).toBe(200);
        return answer.json.workflow_run_id as number;
      };
      const completed = (s: Serve, id: number) =>
        until(
          () => api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}`),
          (r) => r.json.status === "completed",
        );
      // B drives the run, and its job b runs on B.
      const id = await dispatch(b);
      await until(
        async () => (existsSync(join(shared, "pid")) ? readFileSync(join(shared, "pid"), "utf8") : ""),
        (pid) => pid.endsWith("\n"),
      );
      killAfterTest(Number(readFileSync(join(shared, "pid"), "utf8")));
      // B stops (its step goes on): the leader judges it dead, adopts the run, runs b again and c.
      b.proc.kill("SIGSTOP");
      try {
        const done = await completed(a, id);
        expect(done.json.conclusion).toBe("success");
        expect(a.stderr()).toContain(`adopted run ${id} `);
        // B's step ends while B is stopped: B hears it first thing when it comes back.
        writeFileSync(join(shared, "gate"), "");
        await until(
          async () => readFileSync(join(shared, "ran"), "utf8"),
          (ran) => ran.includes("c"),
        );
      } finally {
        b.proc.kill("SIGCONT");
      }
      // B finds it was judged dead: it writes nothing more and exits for its supervisor to restart it.
      expect(await exited(b.proc)).toBe(75);
      expect(b.stderr()).toContain("this server was judged dead");
      // Its word did not count: the adopted run stands as A finished it, and c ran once.
      const after = await api(a, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}`);
      expect(after.json.conclusion).toBe("success");
      const jobs = (await api(a, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs as {
        name: string;
        conclusion: string;
      }[];
      expect(jobs.map((j) => [j.name, j.conclusion])).toEqual([
        ["b", "success"],
        ["c", "success"],
      ]);
      // b twice (the paused try, the retry), c once; and A serves on: the next run goes through.
      const next = await dispatch(a);
      expect((await completed(a, next)).json.conclusion).toBe("success");
      expect(readFileSync(join(shared, "ran"), "utf8").split("\n").filter(Boolean)).toEqual([
        "b",
        "b",
        "c",
        "b",
        "c",
      ]);
    }, 120_000);
  },
);
