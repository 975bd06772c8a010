import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CredentialsRequest } from "../engine/index.js";
import { IssuedJobTokens, issueJobToken, OidcIssuer, OidcKeys } from "../identity/index.js";
import { openSqliteStore, type Repo, type Store } from "../store/index.js";
import { jobCredentials } from "./job-credentials.js";
import { jobTokenLife } from "./job-life.js";

const github = { repository: "acme/app", repository_owner: "acme", actor: "octocat", run_id: "1" };

describe("a job's GITHUB_TOKEN, held from its issue to its job's end (IssuedJobTokens)", () => {
  let store: Store;
  let repo: Repo;
  let dir: string;
  let issued: IssuedJobTokens;
  let issuer: OidcIssuer;
  beforeEach(async () => {
    store = await openSqliteStore(":memory:");
    repo = await store.addRepo({
      owner: "acme",
      name: "app",
      url: "/srv",
      defaultBranch: "main",
      pollIntervalSeconds: 0,
    });
    dir = mkdtempSync(join(tmpdir(), "gantry-job-credentials-"));
    issued = new IssuedJobTokens();
    issuer = new OidcIssuer({
      store,
      keys: OidcKeys.open(join(dir, "keys.json")),
      issuer: () => "https://ci",
      issued,
    });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (jobKey: string): CredentialsRequest => ({
    runId: "1",
    jobKey,
    workflow: { permissions: { "id-token": "write" } } as unknown as CredentialsRequest["workflow"],
    job: { id: jobKey } as unknown as CredentialsRequest["job"],
    callers: [],
  });

  it("is found by the job's services as it starts without reading the store, and not once the job ended", async () => {
    const issue = jobCredentials(
      { store, baseUrl: () => "", log: () => undefined, issued },
      { id: 1, repoId: repo.id, runAttempt: 1, fork: false },
    );
    const credentials = await issue(request("build"));
    expect(issued.size).toBe(1);
    const life = jobTokenLife(store, Date.now, issued);
    const findToken = vi.spyOn(store, "findToken");
    const grant = await issuer.grant(credentials.token, "1", { github });
    expect(grant).toBeDefined();
    const ref = await life.of({ ...github, token: credentials.token });
    expect(ref).toMatch(/^\d+$/);
    expect(findToken).not.toHaveBeenCalled();
    expect(await life.alive(ref as string)).toBe(true);

    await credentials.release();
    expect(issued.size).toBe(0);
    // From the job's end, the store's revoked row answers: no grant, and the binding is dead.
    expect(await issuer.grant(credentials.token, "1", { github })).toBeUndefined();
    expect(findToken).toHaveBeenCalled();
    expect(await life.alive(ref as string)).toBe(false);
  });

  it("a job token not issued by this process (another server's) is looked up in the store", async () => {
    const other = await issueJobToken(store, {
      repoId: repo.id,
      runId: 1,
      name: "elsewhere",
      permissions: { "id-token": "write" },
    });
    const findToken = vi.spyOn(store, "findToken");
    expect(await issuer.grant(other.value, "1", { github })).toBeDefined();
    expect(await jobTokenLife(store, Date.now, issued).of({ token: other.value })).toBe(
      String(other.token.id),
    );
    expect(findToken).toHaveBeenCalledTimes(2);
    await store.revokeToken(other.token.id, new Date().toISOString());
    expect(await issuer.grant(other.value, "1", { github })).toBeUndefined();
  });
});
