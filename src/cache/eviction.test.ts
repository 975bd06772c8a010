import { describe, expect, it } from "vitest";
import { chooseEvictions, type StoredEntry } from "./eviction.js";
import { formatSize, parseSize } from "./size.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = 100 * DAY;

function entry(key: string, size: number, lastUsedAt: number, createdAt = 0): StoredEntry {
  return { scope: "refs/heads/main", key, version: "v", size, createdAt, lastUsedAt };
}

const keys = (es: StoredEntry[]) => es.map((e) => e.key);

describe("chooseEvictions", () => {
  it("evicts the least recently used entries until the rest fit the size limit", () => {
    const es = [entry("c", 40, NOW - 1), entry("a", 40, NOW - 3), entry("b", 40, NOW - 2)];
    expect(keys(chooseEvictions(es, { maxSize: 80, maxUnusedDays: 7 }, NOW))).toEqual(["a"]);
    expect(keys(chooseEvictions(es, { maxSize: 79, maxUnusedDays: 7 }, NOW))).toEqual(["a", "b"]);
    expect(keys(chooseEvictions(es, { maxSize: 120, maxUnusedDays: 7 }, NOW))).toEqual([]);
    expect(keys(chooseEvictions(es, { maxSize: 0, maxUnusedDays: 7 }, NOW))).toEqual(["a", "b", "c"]);
  });

  it("orders by last use, not by creation: an old entry restored recently survives", () => {
    const es = [entry("old-but-used", 50, NOW - 1, 1), entry("new-unused", 50, NOW - 2, 50 * DAY)];
    expect(keys(chooseEvictions(es, { maxSize: 60, maxUnusedDays: 7 }, NOW))).toEqual(["new-unused"]);
  });

  it("evicts entries unused for longer than the age limit, whatever the size", () => {
    const es = [entry("stale", 1, NOW - 8 * DAY), entry("week", 1, NOW - 7 * DAY), entry("fresh", 1, NOW)];
    expect(keys(chooseEvictions(es, { maxSize: 1000, maxUnusedDays: 7 }, NOW))).toEqual(["stale"]);
    expect(keys(chooseEvictions(es, { maxSize: 1000, maxUnusedDays: 1 }, NOW))).toEqual(["stale", "week"]);
  });

  it("counts entries the age limit removed towards the size limit", () => {
    const es = [entry("stale", 100, NOW - 30 * DAY), entry("a", 50, NOW - 2), entry("b", 50, NOW - 1)];
    expect(keys(chooseEvictions(es, { maxSize: 100, maxUnusedDays: 7 }, NOW))).toEqual(["stale"]);
  });
});

describe("sizes", () => {
  it("parses sizes with powers of 1024 and rejects what is not a size", () => {
    expect(parseSize("10GB")).toBe(10 * 1024 ** 3);
    expect(parseSize("500 MB")).toBe(500 * 1024 ** 2);
    expect(parseSize("1.5k")).toBe(1536);
    expect(parseSize("2GiB")).toBe(2 * 1024 ** 3);
    expect(parseSize("4096")).toBe(4096);
    expect(parseSize("0")).toBe(0);
    for (const bad of ["", "ten GB", "-1GB", "10 XB", "10iB", "1e9"]) expect(parseSize(bad)).toBeUndefined();
  });

  it("formats byte counts", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(10 * 1024 ** 3)).toBe("10.0 GB");
  });
});
