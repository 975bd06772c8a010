import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, git, repoWith } from "./harness.js";

const WORKFLOW = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: cache
        uses: actions/cache@v4
        with:
          path: deps
          key: deps-\${{ hashFiles('lock.txt') }}
      - if: steps.cache.outputs.cache-hit != 'true'
        run: mkdir -p deps && cat lock.txt lock.txt lock.txt > deps/out.txt
`;

interface Listed {
  key: string;
  ref: string;
  version: string;
  size: number;
  createdAt: string;
  lastUsedAt: string;
}

/** A repository and one GANTRY_HOME shared by its runs and the cache commands. */
function setup() {
  const repo = repoWith(WORKFLOW, { "lock.txt": "v1\n" });
  const env = {
    GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")),
    HOME: mkdtempSync(join(tmpdir(), "gantry-user-")),
  };
  const run = async (lock: string, extraEnv: Record<string, string> = {}) => {
    writeFileSync(join(repo, "lock.txt"), lock);
    git(repo, "commit", "-qam", lock, "--allow-empty");
    const r = await gantry(repo, ["run"], { env: { ...env, ...extraEnv } });
    expect(r.code, r.stderr).toBe(0);
    return r;
  };
  const cache = (...args: string[]) => gantry(repo, ["cache", ...args], { env });
  const list = async (...args: string[]): Promise<Listed[]> => {
    const r = await cache("list", "--json", ...args);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Listed[];
  };
  return { repo, env, run, cache, list };
}

describe.concurrent("gantry cache", () => {
  it("lists what runs saved, filtered by key prefix and ref, as a table or JSON", async () => {
    const { run, cache, list } = setup();
    const first = await run("v1\n");
    expect(first.stdout).toMatch(/Cache saved with key: deps-/);
    await run("v2\n");
    const all = await list();
    expect(all).toHaveLength(2);
    for (const e of all) {
      expect(e.key).toMatch(/^deps-[0-9a-f]{64}$/);
      expect(e.ref).toBe("refs/heads/main");
      expect(e.size).toBeGreaterThan(0);
      expect(Date.parse(e.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(e.createdAt));
    }
    const text = await cache("list");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^KEY +REPOSITORY +REF +VERSION +SIZE +CREATED +LAST USED\n/);
    expect(text.stdout).toContain(all[0].key);
    expect(text.stdout).toContain(all[0].version.slice(0, 12));
    expect(await list("--key", all[1].key.slice(0, 12))).toHaveLength(
      all.filter((e) => e.key.startsWith(all[1].key.slice(0, 12))).length,
    );
    expect(await list("--key", all[1].key)).toEqual([all[1]]);
    expect(await list("--ref", "main")).toHaveLength(2);
    expect(await list("--ref", "refs/heads/main")).toHaveLength(2);
    expect(await list("--ref", "feature")).toEqual([]);
  });

  it("removes entries by key, with exit 1 when none matched and 2 on bad usage", async () => {
    const { run, cache, list } = setup();
    await run("v1\n");
    const [entry] = await list();

    expect((await cache("rm")).code).toBe(2);
    const extra = await cache("rm", entry.key, "other");
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("unexpected 'other'");
    const wrongFlag = await cache("rm", entry.key, "--dry-run");
    expect(wrongFlag.code).toBe(2);
    expect(wrongFlag.stderr).toContain("--dry-run does not belong to gantry cache rm");
    expect((await cache("frobnicate")).code).toBe(2);

    const otherRef = await cache("rm", entry.key, "--ref", "feature");
    expect(otherRef.code).toBe(1);
    expect(otherRef.stderr).toContain(`no cache entry with key '${entry.key}' on feature`);
    expect((await cache("rm", "deps-")).code).toBe(1);

    const removed = await cache("rm", entry.key, "--ref", "main");
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain(`removed ${entry.key} (refs/heads/main`);
    expect(await list()).toEqual([]);
    expect((await cache("rm", entry.key)).code).toBe(1);

    // Gone for the next run too: it misses and saves again.
    const again = await run("v1\n");
    expect(again.stdout).toContain("Cache not found for input keys");
  });

  it("prunes the least recently used beyond a size: an old entry restored since survives", async () => {
    const { run, cache, list } = setup();
    await run("aaaa\n");
    await run("bbbb\n");
    // Back to the first lock file: an exact hit restores the older entry, making it the most recently used.
    const hit = await run("aaaa\n");
    expect(hit.stdout).toContain("Cache hit occurred on the primary key");
    const entries = await list();
    expect(entries).toHaveLength(2);
    const [recent, stale] = entries; // most recently used first
    expect(Date.parse(recent.createdAt)).toBeLessThan(Date.parse(stale.createdAt));
    const limit = String(Math.max(recent.size, stale.size));

    const dry = await cache("prune", "--max-size", limit, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would remove ${stale.key}`);
    expect(dry.stdout).not.toContain(recent.key);
    expect(await list()).toHaveLength(2);

    const pruned = await cache("prune", "--max-size", limit);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain(`removed ${stale.key}`);
    expect(pruned.stdout).toMatch(/freed \d+ B \(1 entry;/);
    expect((await list()).map((e) => e.key)).toEqual([recent.key]);

    const nothing = await cache("prune");
    expect(nothing.stdout).toMatch(/^freed 0 B \(0 entries; limits 10\.0 GB, 7 days unused\)/);
    expect((await cache("prune", "--max-size", "lots")).code).toBe(2);
    expect((await cache("prune", "--max-unused-days", "-1")).code).toBe(2);
    const all = await cache("prune", "--max-unused-days", "0");
    expect(all.stdout).toContain(`removed ${recent.key}`);
    expect(await list()).toEqual([]);
  });

  it("evicts after a run's save by the limit GANTRY_CACHE_MAX_SIZE or config.yml sets", async () => {
    const { env, run, cache, list } = setup();
    await run("lock-1\n");
    const [first] = await list();
    // Room for one entry of this size (archives differ by a few bytes), not for two.
    const limit = String(Math.floor(first.size * 1.5));
    await run("lock-2\n", { GANTRY_CACHE_MAX_SIZE: limit });
    const left = await list();
    expect(left).toHaveLength(1);
    expect(left[0].key).not.toBe(first.key);

    writeFileSync(join(env.GANTRY_HOME, "config.yml"), "cache:\n  max_size: 1\n  max_unused_days: 7\n");
    await run("third\n");
    expect(await list()).toEqual([]);

    writeFileSync(
      join(env.GANTRY_HOME, "config.yml"),
      "cache:\n  max_size: huge\n  max_unused_days: soon\n  ttl: 3\n",
    );
    const bad = await cache("prune");
    expect(bad.code).toBe(2);
    const file = join(env.GANTRY_HOME, "config.yml");
    expect(bad.stderr).toContain(`${file}:2:13`);
    expect(bad.stderr).toContain("cache.max_size must be a size such as 10GB");
    expect(bad.stderr).toContain(`${file}:3:20`);
    expect(bad.stderr).toContain("cache.max_unused_days must be a number of days");
    expect(bad.stderr).toContain(`${file}:4:3`);
    expect(bad.stderr).toContain("unknown key cache.ttl");
  });

  it("removes a key saved with several versions only with --all-versions", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p "\${{ vars.DIR }}" && echo x > "\${{ vars.DIR }}/f"
      - uses: actions/cache@v4
        with:
          path: \${{ vars.DIR }}
          key: shared-key
`);
    const env = { GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")) };
    for (const dir of ["one", "two"]) {
      const r = await gantry(repo, ["run", "--var", `DIR=${dir}`], { env });
      expect(r.code, r.stderr).toBe(0);
    }
    const listed = await gantry(repo, ["cache", "list", "--json"], { env });
    const versions = (JSON.parse(listed.stdout) as Listed[]).map((e) => e.version);
    expect(versions).toHaveLength(2);
    const refused = await gantry(repo, ["cache", "rm", "shared-key"], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("key 'shared-key' has 2 versions");
    expect(refused.stderr).toContain("--all-versions");
    const removed = await gantry(repo, ["cache", "rm", "shared-key", "--all-versions"], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.match(/^removed shared-key /gm)).toHaveLength(2);
    expect(JSON.parse((await gantry(repo, ["cache", "list", "--json"], { env })).stdout)).toEqual([]);
  });
});
