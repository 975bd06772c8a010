import { describe, expect, it } from "vitest";
import { cacheScopes, cacheVersion, outermost, scopeParts } from "./cache-action.js";

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
