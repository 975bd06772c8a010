// GitHub's branch and tag lists, and the workflows of a repository nothing was pushed to yet.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { git, makeRepo } from "../../test/harness.js";
import { type GantryServer, startServer } from "./index.js";

const TOKEN = "refs-token";
const auth = { authorization: `Bearer ${TOKEN}` };
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function serverWith(url: string): Promise<GantryServer> {
  const s = await startServer({
    dataDir: mkdtempSync(join(tmpdir(), "gantry-refs-")),
    listen: false,
    adminToken: TOKEN,
    config: { repo_url_schemes: ["file"] },
  });
  servers.push(s);
  const added = await s.app.request("/api/v1/repos", {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ owner: "acme", name: "app", url }),
  });
  expect(added.status, await added.clone().text()).toBe(201);
  return s;
}

async function get(s: GantryServer, path: string, headers: Record<string, string> = auth) {
  const res = await s.app.request(`/api/v1${path}`, { headers });
  return { status: res.status, json: await res.json() };
}

describe("branches and tags", () => {
  it("lists them by name with their commits, paged; an annotated tag gives its commit", async () => {
    const dir = makeRepo({ files: { "a.txt": "a\n" } });
    const main = git(dir, "rev-parse", "HEAD");
    git(dir, "branch", "feature/x");
    git(dir, "tag", "v1");
    git(dir, "tag", "-a", "v2", "-m", "two");
    const s = await serverWith(dir);
    const branches = await get(s, "/repos/acme/app/branches");
    expect(branches.json).toEqual([
      {
        name: "feature/x",
        commit: { sha: main, url: expect.stringContaining(`/commits/${main}`) },
        protected: false,
      },
      {
        name: "main",
        commit: { sha: main, url: expect.stringContaining(`/commits/${main}`) },
        protected: false,
      },
    ]);
    const tags = await get(s, "/repos/acme/app/tags");
    expect(tags.json.map((t: { name: string; commit: { sha: string } }) => [t.name, t.commit.sha])).toEqual([
      ["v1", main],
      ["v2", main],
    ]);
    expect(
      (await get(s, "/repos/acme/app/branches?per_page=1&page=2")).json.map((b: { name: string }) => b.name),
    ).toEqual(["main"]);
    expect((await get(s, "/repos/acme/app/branches?per_page=101")).json).toHaveLength(2);
    expect((await get(s, "/repos/acme/app/branches?per_page=0")).status).toBe(422);
    expect((await get(s, "/repos/acme/app/branches", {})).status).toBe(401);
    expect((await get(s, "/repos/acme/other/branches")).status).toBe(404);
  });

  it("a repository nothing was pushed to has no branches and no workflows, not an error", async () => {
    const bare = join(mkdtempSync(join(tmpdir(), "gantry-empty-")), "empty.git");
    execFileSync("git", ["init", "-q", "--bare", bare]);
    const s = await serverWith(bare);
    expect(await get(s, "/repos/acme/app/branches")).toEqual({ status: 200, json: [] });
    expect(await get(s, "/repos/acme/app/actions/workflows")).toEqual({
      status: 200,
      json: { total_count: 0, workflows: [] },
    });
    // A ref asked for that is not there is still GitHub's 422.
    expect((await get(s, "/repos/acme/app/actions/workflows?ref=main")).status).toBe(422);
  });
});
