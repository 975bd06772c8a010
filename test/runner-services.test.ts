// A job on a runner machine (a real `gantry runner` process with a work folder of its own, sharing
// no disk with the server) saves and restores a cache entry and uploads and downloads an artifact
// through the server's Actions services on its main listener (/_services/actions/), reached at the
// address the runner uses; the server's own pool is off.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FsArtifactStore } from "../src/artifacts/index.js";
import { FsCacheStore } from "../src/cache/index.js";
import { ActionsServer } from "../src/cli/actions-server.js";
import { hashToken, newTokenValue, REGISTRATION_PREFIX } from "../src/identity/index.js";
import { type GantryServer, startServer } from "../src/server/index.js";
import { BIN, makeRepo } from "./harness.js";
import { testDatabase } from "./serve-harness.js";

const ADMIN = "gantry_runner_services_admin";
const LIMIT = 50 * 1024 * 1024;

const WORKFLOW = `name: CI
on: workflow_dispatch
jobs:
  make:
    runs-on: self-hosted
    steps:
      - uses: actions/cache@v4
        with: { path: deps, key: deps-one }
      - id: where
        run: |
          mkdir -p deps out && echo cached > deps/a.txt && echo built > out/b.txt
          echo "results at $ACTIONS_RESULTS_URL"
      - uses: actions/upload-artifact@v4
        with: { name: out, path: out }
  use:
    needs: make
    runs-on: self-hosted
    steps:
      - id: restore
        uses: actions/cache/restore@v4
        with: { path: deps, key: deps-one }
      - uses: actions/download-artifact@v4
        with: { name: out, path: got }
      - run: test "$(cat deps/a.txt)" = cached && test "$(cat got/b.txt)" = built
`;

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function until<T>(get: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const v = await get();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("a job on a runner machine", () => {
  it("reaches the cache and artifact services over HTTP only, at the address its runner uses", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": WORKFLOW } });
    const data = temp("gantry-serve-");
    const cache = new FsCacheStore({ root: join(data, "test-cache"), compression: "gzip" });
    const artifacts = new FsArtifactStore({ root: join(data, "test-artifacts") });
    const server: GantryServer = await startServer({
      dataDir: join(data, "data"),
      database: await testDatabase(join(data, "data")),
      port: 0,
      adminToken: ADMIN,
      triggers: false,
      config: {
        repo_url_schemes: ["file"],
        runners: { slots: 0, isolation: "none" },
        repos: [{ owner: "acme", name: "app", url: repo }],
      },
      jobServices: ({ stagingDir, tokenKey, jobLife }) =>
        new ActionsServer({
          cache,
          artifacts,
          stagingDir,
          tokenKey,
          jobLife,
          maxCacheEntrySize: LIMIT,
          maxArtifactSize: LIMIT,
        }),
    });
    cleanups.push(() => server.close());

    const registration = newTokenValue(REGISTRATION_PREFIX);
    await server.store.addRunnerRegistration(hashToken(registration), {
      repoId: null,
      createdBy: "admin",
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const work = temp("gantry-runner-");
    let stderr = "";
    const runner: ChildProcess = spawn(
      process.execPath,
      [
        BIN,
        "runner",
        "--server",
        server.url,
        "--token",
        registration,
        "--name",
        "m1",
        "--work",
        work,
        "--isolation",
        "none",
      ],
      { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, GANTRY_HOME: work } },
    );
    runner.stderr?.on("data", (c) => {
      stderr += c;
    });
    cleanups.push(() => {
      if (runner.exitCode === null) runner.kill("SIGKILL");
    });

    const dispatched = await server.app.request(
      "/api/v1/repos/acme/app/actions/workflows/ci.yml/dispatches",
      {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ ref: "main", return_run_details: true }),
      },
    );
    expect(dispatched.status).toBe(200);
    const { workflow_run_id: runId } = (await dispatched.json()) as { workflow_run_id: number };
    const run = await until(
      () => server.store.getRun(runId),
      (r) => r?.status === "completed",
      `run ${runId} (runner: ${stderr})`,
    );
    const jobs = await server.store.listJobs(runId, 1);
    expect(jobs.map((j) => [j.name, j.conclusion])).toEqual([
      ["make", "success"],
      ["use", "success"],
    ]);
    expect(run?.conclusion).toBe("success");
    // What went over HTTP is in the server's stores; the runner's own folder holds none of it.
    expect((await cache.list()).map((e) => [e.scope, e.key])).toEqual([
      ["acme/app:refs/heads/main", "deps-one"],
    ]);
    expect((await artifacts.list(String(runId))).map((a) => a.name)).toEqual(["out"]);
    const log = await (
      await server.app.request(`/api/v1/repos/acme/app/actions/jobs/${jobs[0].id}/logs`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      })
    ).text();
    expect(log).toContain("Artifact out has been successfully uploaded");
    expect(log).toContain(`results at ${server.url}/_services/actions/`);
  });
});
