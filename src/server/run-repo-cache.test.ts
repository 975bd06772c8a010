import { expect, it } from "vitest";
import { RunRepoCache } from "./run-repo-cache.js";

it("remembers the repositories of the runs asked last, up to its size, and asks the store once for each", async () => {
  const asked: number[] = [];
  const cache = new RunRepoCache(async (runId) => {
    asked.push(runId);
    return runId % 3 === 0 ? undefined : runId % 7;
  }, 100);
  for (let runId = 1; runId <= 1000; runId++)
    expect(await cache.repoOf(runId)).toBe(runId % 3 === 0 ? undefined : runId % 7);
  expect(cache.remembered).toBe(100);
  expect(asked).toHaveLength(1000);
  // The last hundred are remembered (no store read); an older one is asked again.
  expect(await cache.repoOf(1000)).toBe(1000 % 7);
  expect(await cache.repoOf(901)).toBe(901 % 7);
  expect(asked).toHaveLength(1000);
  expect(await cache.repoOf(5)).toBe(5);
  expect(asked).toHaveLength(1001);
  expect(cache.remembered).toBe(100);
});
