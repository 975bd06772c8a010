import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FsCacheStore } from "./fs-cache-store.js";

const DAY = 24 * 60 * 60 * 1000;
const MAIN = "refs/heads/main";

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A store on a clock the test moves, so last use is decided without timing. */
function store(opts: { maxSize?: number; maxUnusedDays?: number } = {}) {
  const clock = { t: 1_000 * DAY };
  const root = temp("gantry-cache-");
  const eviction =
    opts.maxSize !== undefined || opts.maxUnusedDays !== undefined
      ? { maxSize: opts.maxSize ?? 1024 ** 4, maxUnusedDays: opts.maxUnusedDays ?? 7 }
      : undefined;
  const s = new FsCacheStore({ root, compression: "gzip", now: () => clock.t, eviction });
  return { s, clock, root };
}

function files(content: string) {
  const ws = temp("gantry-ws-");
  writeFileSync(join(ws, "f.txt"), content);
  return { workspace: ws, paths: [join(ws, "f.txt")] };
}

const q = (key: string) => ({ scopes: [MAIN], key, restoreKeys: [], version: "v1" });

async function save(s: FsCacheStore, key: string, content = key) {
  const r = await s.save({ scope: MAIN, key, version: "v1" }, files(content));
  expect(r.saved).toBe(true);
  return r.saved ? r.entry.size : 0;
}

const keysOf = async (s: FsCacheStore) => (await s.list()).map((e) => e.key).sort();

describe("FsCacheStore eviction", () => {
  it("records last use on save and on restore", async () => {
    const { s, clock } = store();
    await save(s, "k");
    expect((await s.list())[0]).toEqual(expect.objectContaining({ key: "k", lastUsedAt: clock.t }));
    clock.t += 3 * DAY + 1_796_016_976_495; // a millisecond utimes' float seconds cannot hold exactly
    await s.restore(q("k"), temp("gantry-ws-"));
    expect((await s.list())[0].lastUsedAt).toBe(clock.t);
    // A lookup alone (lookup-only) is not a use.
    clock.t += DAY;
    await s.lookup(q("k"));
    expect((await s.list())[0].lastUsedAt).toBe(clock.t - DAY);
  });

  it("evicts the least recently used entries beyond the size limit after a save; a recent restore saves an old entry", async () => {
    const { s, clock } = store();
    const size = await save(s, "a", "x".repeat(100));
    clock.t += 1000;
    await save(s, "b", "y".repeat(100));
    clock.t += 1000;
    await s.restore(q("a"), temp("gantry-ws-"));
    clock.t += 1000;
    const limited = new FsCacheStore({
      root: (s as unknown as { root: string }).root,
      compression: "gzip",
      now: () => clock.t,
      eviction: { maxSize: 2 * size + size / 2, maxUnusedDays: 7 },
    });
    await save(limited, "c", "z".repeat(100));
    expect(await keysOf(limited)).toEqual(["a", "c"]);
  });

  it("prunes entries unused for longer than the age limit, and says what it freed", async () => {
    const { s, clock } = store();
    const sizeOld = await save(s, "old");
    clock.t += 5 * DAY;
    await save(s, "new");
    clock.t += 3 * DAY;
    const dry = await s.prune({ maxSize: 1024 ** 3, maxUnusedDays: 7 }, { dryRun: true });
    expect(dry.removed.map((e) => e.key)).toEqual(["old"]);
    expect(await keysOf(s)).toEqual(["new", "old"]);
    const done = await s.prune({ maxSize: 1024 ** 3, maxUnusedDays: 7 });
    expect(done).toEqual({ removed: [expect.objectContaining({ key: "old" })], freed: sizeOld });
    expect(await keysOf(s)).toEqual(["new"]);
    expect(await s.lookup(q("old"))).toBeUndefined();
  });

  it("removes one entry, and says when there was none", async () => {
    const { s } = store();
    await save(s, "k");
    expect(await s.remove({ scope: MAIN, key: "k", version: "v1" })).toBe(true);
    expect(await s.remove({ scope: MAIN, key: "k", version: "v1" })).toBe(false);
    expect(await s.list()).toEqual([]);
    await save(s, "k");
  });

  it("never breaks a restore that runs while its entry is evicted", async () => {
    const { s } = store();
    const big = "payload ".repeat(200_000);
    for (let i = 0; i < 6; i++) {
      await save(s, `k${i}`, big + i);
      const target = temp("gantry-ws-");
      const [hit] = await Promise.all([
        s.restore(q(`k${i}`), target),
        s.prune({ maxSize: 0, maxUnusedDays: 7 }),
      ]);
      // Either the restore got the whole entry, or it found none; never an error or half a file.
      if (hit) expect(readFileSync(join(target, "f.txt"), "utf8")).toBe(big + i);
      else expect(readdirSync(target)).toEqual([]);
      expect(await s.list()).toEqual([]);
    }
  });

  it("clears what a removal killed half-way left in trash, and ignores it meanwhile", async () => {
    const { s, root } = store();
    mkdirSync(join(root, "trash", "killed"), { recursive: true });
    writeFileSync(join(root, "trash", "killed", "archive"), "partial");
    await save(s, "k");
    expect(await keysOf(s)).toEqual(["k"]);
    await s.prune({ maxSize: 1024 ** 3, maxUnusedDays: 7 });
    expect(readdirSync(join(root, "trash"))).toEqual([]);
    expect(await keysOf(s)).toEqual(["k"]);
  });
});
