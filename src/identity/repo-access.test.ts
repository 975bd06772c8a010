import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore, type Repo, type Store } from "../store/index.js";
import { issuePersonalToken } from "./personal-token.js";
import { isSiteAdmin, resolvePrincipal } from "./principal.js";
import { decideRepoAccess, readableRepoIds } from "./repo-access.js";
import { hashToken, JOB_PREFIX, lastEight, newTokenValue } from "./token-value.js";

describe("who a token stands for and what it may do on a repository", () => {
  let store: Store;
  let app: Repo;
  let other: Repo;
  beforeEach(async () => {
    store = await openSqliteStore(":memory:");
    const repo = { owner: "acme", url: "/srv", defaultBranch: "main", pollIntervalSeconds: 0 };
    app = await store.addRepo({ ...repo, name: "app" });
    other = await store.addRepo({ ...repo, name: "other" });
  });
  afterEach(() => store.close());

  const person = async (login: string, role?: string, scopes?: string[], siteAdmin = false) => {
    const user = await store.addUser({ login, siteAdmin });
    if (role) await store.putCollaborator(app.id, user.id, role);
    const { value } = await issuePersonalToken(store, user, { note: "t", scopes });
    const principal = await resolvePrincipal(store, value);
    if (!principal) throw new Error("no principal");
    return { user, value, principal };
  };

  it("hides a repository from one with no role on it, forbids what the role lacks, allows the rest", async () => {
    const { principal } = await person("reader", "read");
    expect(await decideRepoAccess(store, principal, app, { role: "read" })).toEqual({
      decision: "allowed",
      role: "read",
    });
    expect(await decideRepoAccess(store, principal, app, { role: "write" })).toEqual({
      decision: "forbidden",
      role: "read",
    });
    expect(await decideRepoAccess(store, principal, other, { role: "read" })).toEqual({ decision: "hidden" });
    expect(await readableRepoIds(store, principal)).toEqual(new Set([app.id]));
  });

  it("caps a token without the repo scope at read; a site admin is admin everywhere", async () => {
    const { principal } = await person("maint", "maintain", ["user"]);
    expect((await decideRepoAccess(store, principal, app, { role: "write" })).decision).toBe("forbidden");
    const admin = await person("boss", undefined, ["repo", "site_admin"], true);
    expect((await decideRepoAccess(store, admin.principal, other, { role: "admin" })).decision).toBe(
      "allowed",
    );
    expect(isSiteAdmin(admin.principal)).toBe(true);
    expect(await readableRepoIds(store, admin.principal)).toBeUndefined();
    // Without the site_admin scope, the site admin's token does not administer the site.
    const plain = await issuePersonalToken(store, admin.user, { note: "plain" });
    const p = await resolvePrincipal(store, plain.value);
    expect(p && isSiteAdmin(p)).toBe(false);
  });

  it("refuses a revoked or expired token, and every token of a suspended user", async () => {
    const { user, value, principal } = await person("mona", "write");
    expect(principal.kind).toBe("user");
    const expired = await issuePersonalToken(store, user, {
      note: "old",
      expiresAt: "2020-01-01T00:00:00.000Z",
    });
    expect(await resolvePrincipal(store, expired.value)).toBeUndefined();
    await store.updateUser(user.id, { suspendedAt: new Date().toISOString() });
    expect(await resolvePrincipal(store, value)).toBeUndefined();
    await store.updateUser(user.id, { suspendedAt: null });
    expect(await resolvePrincipal(store, value)).toBeDefined();
    await store.revokeToken(principal.token.id, new Date().toISOString());
    expect(await resolvePrincipal(store, value)).toBeUndefined();
    expect(await resolvePrincipal(store, `${value}x`)).toBeUndefined();
  });

  it("lets a job's token act on its own repository only, as far as its permissions go, and never administer", async () => {
    const value = newTokenValue(JOB_PREFIX);
    await store.addToken({
      kind: "job",
      userId: null,
      name: "build",
      hash: hashToken(value),
      lastEight: lastEight(value),
      scopes: [],
      expiresAt: null,
      repoId: app.id,
      runId: 1,
      permissions: { actions: "write", contents: "read", metadata: "read" },
    });
    const job = await resolvePrincipal(store, value);
    if (!job) throw new Error("no principal");
    const decide = async (repo: Repo, need: Parameters<typeof decideRepoAccess>[3]) =>
      (await decideRepoAccess(store, job, repo, need)).decision;
    expect(await decide(app, { role: "write", permission: "actions" })).toBe("allowed");
    expect(await decide(app, { role: "read", permission: "contents" })).toBe("allowed");
    expect(await decide(app, { role: "write", permission: "contents" })).toBe("forbidden");
    expect(await decide(app, { role: "write", permission: "pull-requests" })).toBe("forbidden");
    expect(await decide(app, { role: "read" })).toBe("allowed");
    expect(await decide(app, { role: "admin" })).toBe("forbidden");
    expect(await decide(other, { role: "read" })).toBe("hidden");
    await store.revokeJobTokens(1, new Date().toISOString());
    expect(await resolvePrincipal(store, value)).toBeUndefined();
  });
});
