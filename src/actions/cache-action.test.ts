import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FsCacheStore } from "../cache/index.js";
import type { ActionStepRequest } from "../runner/index.js";
import { JobSandbox, runCommand, sandboxProblem } from "../sandbox/index.js";
import { cacheScopes, cacheVersion, outermost, restoreEntry, saveEntry, scopeParts } from "./cache-action.js";

describe("cacheVersion", () => {
  it("matches @actions/cache's getCacheVersion for the same paths and compression", () => {
    // Expected values from the toolkit's own tests (packages/cache/__tests__/cacheHttpClient.test.ts).
    expect(cacheVersion(["node_modules"], "zstd", true)).toBe(
      "273877e14fd65d270b87a198edbfa2db5a43de567c9a548d2a2505b408befe24",
    );
    expect(cacheVersion(["node_modules"], "gzip", true)).toBe(
      "470e252814dbffc9524891b17cf4e5749b26c1b5026e63dd3f00972db2393117",
    );
    expect(cacheVersion(["a", "b"], "gzip")).not.toBe(cacheVersion(["b", "a"], "gzip"));
  });
});

describe("cacheScopes", () => {
  const repository = { default_branch: "main" };
  it("reads a push's own ref, then the default branch", () => {
    expect(cacheScopes({ ref: "refs/heads/feature", base_ref: "", event: { repository } })).toEqual([
      "refs/heads/feature",
      "refs/heads/main",
    ]);
    expect(cacheScopes({ ref: "refs/heads/main", base_ref: "", event: { repository } })).toEqual([
      "refs/heads/main",
    ]);
  });

  it("reads a pull request's merge ref, then its base branch, then the default branch", () => {
    expect(cacheScopes({ ref: "refs/pull/4/merge", base_ref: "release", event: { repository } })).toEqual([
      "refs/pull/4/merge",
      "refs/heads/release",
      "refs/heads/main",
    ]);
  });

  it("keeps each repository's caches its own", () => {
    const github = { repository: "acme/app", ref: "refs/heads/feature", base_ref: "", event: { repository } };
    const scopes = cacheScopes(github);
    expect(scopes).toEqual(["acme/app:refs/heads/feature", "acme/app:refs/heads/main"]);
    expect(cacheScopes({ ...github, repository: "acme/other" })).not.toContain(scopes[1]);
    expect(scopeParts(scopes[0])).toEqual({ repository: "acme/app", ref: "refs/heads/feature" });
    expect(scopeParts("refs/heads/main")).toEqual({ repository: "", ref: "refs/heads/main" });
  });
});

describe("outermost", () => {
  it("drops the paths beneath another one, keeping the order", () => {
    expect(
      outermost(["/w/b", "/w/a", "/w/a/x", "/w/a-b", "/w/a/x/y", "/h/.npm", "/w/b/c", "/w/ab/c"]),
    ).toEqual(["/w/b", "/w/a", "/w/a-b", "/h/.npm", "/w/ab/c"]);
    expect(outermost(["/w", "/w/a"])).toEqual(["/w"]);
    expect(outermost(["/", "/w"])).toEqual(["/"]);
  });
});

describe.skipIf(sandboxProblem() !== undefined)("saveEntry in a job's sandbox", () => {
  const open: JobSandbox[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  /** A job folder inside a "server" folder under /tmp (as a server's data directory is). */
  async function job() {
    const root = mkdtempSync(join(tmpdir(), "cache-sandbox-"));
    const server = join(root, "data");
    const jobDir = join(server, "work", "1");
    const workspace = join(jobDir, "ws");
    for (const dir of ["tmp", "ws", "home"]) mkdirSync(join(jobDir, dir), { recursive: true });
    writeFileSync(join(server, "state.db"), "the server's own\n");
    const sandbox = await JobSandbox.start({
      jobDir,
      tmpDir: join(jobDir, "tmp"),
      hidden: [server],
      readOnly: [],
      writable: [],
    });
    open.push(sandbox);
    // Only what the cache steps read of a request (cast: the rest is the runner's).
    const req = {
      workspace,
      github: { repository: "acme/app", ref: "refs/heads/main" },
      env: { HOME: join(jobDir, "home") },
      sandbox,
      log: () => {},
      warn: () => {},
    } as unknown as ActionStepRequest;
    const store = new FsCacheStore({ root: join(root, "cache"), compression: "gzip" });
    const step = (script: string) => runCommand("sh", ["-c", script], { cwd: workspace, sandbox });
    return { server, jobDir, req, store, step };
  }

  it("looks the paths up where the job sees them: its own /tmp, not the server's files at those paths", async () => {
    const { server, jobDir, req, store, step } = await job();
    // The server's file exists on this host, not in the job's view: nothing to save (a job cannot
    // learn from the answer which of the server's files exist).
    await expect(saveEntry(req, store, { key: "probe", paths: [join(server, "state.db")] })).rejects.toThrow(
      /Path Validation Error/,
    );
    // What the job wrote at that path (in its own /tmp) is what it saves, and restores.
    await step(
      `echo the-jobs-own > ${join(server, "state.db")}; mkdir -p /tmp/dep && echo dep > /tmp/dep/file`,
    );
    expect(await saveEntry(req, store, { key: "mine", paths: [join(server, "state.db"), "/tmp/dep"] })).toBe(
      true,
    );
    rmSync(join(jobDir, "tmp"), { recursive: true, force: true });
    mkdirSync(join(jobDir, "tmp"));
    expect(existsSync(join(jobDir, "tmp", "dep", "file"))).toBe(false);
    const entry = await restoreEntry(req, store, {
      key: "mine",
      paths: [join(server, "state.db"), "/tmp/dep"],
    });
    expect(entry?.key).toBe("mine");
    expect((await step(`cat ${join(server, "state.db")} /tmp/dep/file`)).stdout).toBe("the-jobs-own\ndep\n");
    expect(readFileSync(join(server, "state.db"), "utf8")).toBe("the server's own\n");
  });
});
