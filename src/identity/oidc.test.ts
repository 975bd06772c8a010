import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore, type Repo, type Store } from "../store/index.js";
import { jobTokenPermissions } from "./job-permissions.js";
import { defaultAudience, type OidcJobFacts, oidcClaims, oidcJobFacts, oidcSubject } from "./oidc-claims.js";
import { discoveryDocument } from "./oidc-discovery.js";
import { OidcIssuer } from "./oidc-issuer.js";
import { OIDC_TOKEN_LIFETIME_SECONDS, OidcKeys } from "./oidc-keys.js";
import { signIdToken } from "./oidc-token.js";
import { hashToken, JOB_PREFIX, lastEight, newTokenValue } from "./token-value.js";

const ISSUER = "https://ci.example.com";

/** The github context of a push to main in acme/app, as the engine builds it for a job. */
const pushGithub = {
  actor: "octocat",
  actor_id: "0",
  base_ref: "",
  head_ref: "",
  event_name: "push",
  ref: "refs/heads/main",
  ref_type: "branch",
  repository: "acme/app",
  repository_id: "0",
  repository_owner: "acme",
  repository_owner_id: "0",
  run_id: "7",
  run_number: "3",
  run_attempt: "2",
  sha: "a".repeat(40),
  workflow: "Deploy",
  workflow_ref: "acme/app/.github/workflows/deploy.yml@refs/heads/main",
  workflow_sha: "a".repeat(40),
  token: "not a claim",
};

const facts = (over: Partial<OidcJobFacts> = {}): OidcJobFacts => ({
  ...oidcJobFacts({ github: pushGithub, repositoryId: 12, actorId: 4, repositoryOwnerId: 5 }),
  ...over,
});

describe("the subject and claims of an ID token, as GitHub forms them", () => {
  it("names the environment first, then a pull request, then the ref", () => {
    const base = { repository: "acme/app", ref: "refs/heads/main", event_name: "push" };
    expect(oidcSubject(base)).toBe("repo:acme/app:ref:refs/heads/main");
    expect(oidcSubject({ ...base, ref: "refs/tags/v1.2" })).toBe("repo:acme/app:ref:refs/tags/v1.2");
    expect(oidcSubject({ ...base, event_name: "pull_request", ref: "refs/pull/4/merge" })).toBe(
      "repo:acme/app:pull_request",
    );
    expect(oidcSubject({ ...base, event_name: "pull_request_target" })).toBe("repo:acme/app:pull_request");
    expect(oidcSubject({ ...base, event_name: "pull_request", environment: "production" })).toBe(
      "repo:acme/app:environment:production",
    );
  });

  it("carries exactly GitHub's claims, ids as strings, good for five minutes", () => {
    const now = new Date("2026-12-06T02:00:00Z");
    const claims = oidcClaims(facts(), { issuer: ISSUER, now, jti: "j-1" });
    const iat = now.getTime() / 1000;
    expect(claims).toEqual({
      jti: "j-1",
      sub: "repo:acme/app:ref:refs/heads/main",
      aud: "https://ci.example.com/acme",
      actor: "octocat",
      actor_id: "4",
      base_ref: "",
      head_ref: "",
      event_name: "push",
      job_workflow_ref: "acme/app/.github/workflows/deploy.yml@refs/heads/main",
      job_workflow_sha: "a".repeat(40),
      ref: "refs/heads/main",
      ref_type: "branch",
      repository: "acme/app",
      repository_id: "12",
      repository_owner: "acme",
      repository_owner_id: "5",
      run_id: "7",
      run_number: "3",
      run_attempt: "2",
      runner_environment: "self-hosted",
      sha: "a".repeat(40),
      workflow: "Deploy",
      workflow_ref: "acme/app/.github/workflows/deploy.yml@refs/heads/main",
      workflow_sha: "a".repeat(40),
      iss: ISSUER,
      nbf: iat,
      iat,
      exp: iat + 300,
    });
    expect(OIDC_TOKEN_LIFETIME_SECONDS).toBe(300);
    expect(Object.keys(claims)).not.toContain("token");
    expect(Object.keys(claims)).not.toContain("environment");
    const withEnv = oidcClaims(facts({ environment: "prod" }), {
      issuer: ISSUER,
      audience: "sts.amazonaws.com",
    });
    expect(withEnv).toMatchObject({ environment: "prod", aud: "sts.amazonaws.com" });
    expect(oidcClaims(facts(), { issuer: ISSUER }).jti).not.toBe(oidcClaims(facts(), { issuer: ISSUER }).jti);
  });

  it("names a called workflow's file in job_workflow_ref: this repository's at the run's ref, another's as written", () => {
    const local = oidcJobFacts({
      github: pushGithub,
      repositoryId: 1,
      workflowFile: ".github/workflows/reuse.yml",
    });
    expect(local.job_workflow_ref).toBe("acme/app/.github/workflows/reuse.yml@refs/heads/main");
    expect(local.workflow_ref).toBe("acme/app/.github/workflows/deploy.yml@refs/heads/main");
    const remote = oidcJobFacts({
      github: pushGithub,
      repositoryId: 1,
      workflowFile: "octo/shared/.github/workflows/deploy.yml@v2",
    });
    expect(remote.job_workflow_ref).toBe("octo/shared/.github/workflows/deploy.yml@v2");
    expect(remote.job_workflow_sha).toBe("");
    expect(defaultAudience("https://ci.example.com/", "acme")).toBe("https://ci.example.com/acme");
  });

  it("publishes GitHub's discovery fields, the JWKS beside the issuer", () => {
    const doc = discoveryDocument(ISSUER);
    expect(doc).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks`,
      response_types_supported: ["id_token"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid"],
    });
    expect(doc.subject_types_supported).toEqual(["public", "pairwise"]);
    expect(doc.claims_supported).toEqual(
      expect.arrayContaining(["sub", "job_workflow_ref", "runner_environment"]),
    );
  });
});

describe("the issuer's keys", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "gantry-oidc-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("are made once, kept 0600 beside the data, and sign tokens a JOSE library verifies with the JWKS", async () => {
    const file = join(dir, "oidc-keys.json");
    const keys = OidcKeys.open(file);
    const key = await keys.current();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await OidcKeys.open(file).current()).kid).toBe(key.kid);
    const jwks = await keys.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: key.kid });
    // The JWKS is public: nothing of the private key is in it.
    expect(Object.keys(jwks.keys[0]).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    const token = signIdToken(oidcClaims(facts(), { issuer: ISSUER, audience: "vault" }), key);
    expect(decodeProtectedHeader(token)).toEqual({ typ: "JWT", alg: "RS256", kid: key.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: "vault",
    });
    expect(payload.sub).toBe("repo:acme/app:ref:refs/heads/main");
    // A token signed by another key does not verify against this JWKS.
    const other = await OidcKeys.open(join(dir, "other.json")).current();
    const forged = signIdToken(oidcClaims(facts(), { issuer: ISSUER, audience: "vault" }), {
      ...other,
      kid: key.kid,
    });
    await expect(jwtVerify(forged, createLocalJWKSet(jwks))).rejects.toThrow(/signature/);
  });

  it("rotate: the new key signs, the old one stays published until its tokens expired, then is dropped", async () => {
    const file = join(dir, "oidc-keys.json");
    const t0 = new Date("2026-12-06T02:00:00Z");
    const first = await OidcKeys.open(file, { now: t0 }).current();
    const oldToken = signIdToken(oidcClaims(facts(), { issuer: ISSUER, now: t0 }), first);
    const rotated = OidcKeys.open(file, { rotate: true, now: t0 });
    const second = await rotated.current();
    expect(second.kid).not.toBe(first.kid);
    const jwks = await rotated.jwks(new Date(t0.getTime() + 299_000));
    expect(jwks.keys.map((k) => k.kid)).toEqual([first.kid, second.kid]);
    await jwtVerify(oldToken, createLocalJWKSet(jwks), { currentDate: new Date(t0.getTime() + 299_000) });
    const later = new Date(t0.getTime() + 400_000);
    expect((await rotated.jwks(later)).keys.map((k) => k.kid)).toEqual([second.kid]);
    // The next start drops it from the file too.
    await OidcKeys.open(file, { now: later }).current();
    const kept = JSON.parse(readFileSync(file, "utf8")).keys.map((k: { kid: string }) => k.kid);
    expect(kept).toEqual([second.kid]);
  });

  it("refuses a file that is not a key file, naming it", async () => {
    const file = join(dir, "oidc-keys.json");
    await OidcKeys.open(file).current();
    rmSync(file);
    writeFileSync(file, "not json");
    expect(() => OidcKeys.open(file)).toThrow(/oidc-keys.json: not an OIDC key file/);
  });
});

describe("the issuer: request tokens only for jobs granted id-token: write, while their token lives", () => {
  let store: Store;
  let repo: Repo;
  let dir: string;
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
    dir = mkdtempSync(join(tmpdir(), "gantry-oidc-"));
    issuer = new OidcIssuer({ store, keys: OidcKeys.open(join(dir, "keys.json")), issuer: () => ISSUER });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const jobToken = async (permissions: Record<string, string>, runId = 7) => {
    const value = newTokenValue(JOB_PREFIX);
    const token = await store.addToken({
      kind: "job",
      userId: null,
      name: "deploy",
      hash: hashToken(value),
      lastEight: lastEight(value),
      scopes: [],
      expiresAt: null,
      repoId: repo.id,
      runId,
      permissions,
    });
    return { value, token };
  };

  it("grants, mints tokens the JWKS verifies for any audience, and refuses once released", async () => {
    const octocat = await store.addUser({ login: "octocat" });
    const { value } = await jobToken(
      jobTokenPermissions({ "id-token": "write" }, undefined, { fork: false }),
    );
    const grant = await issuer.grant(value, "7", { github: pushGithub });
    if (!grant) throw new Error("no grant");
    expect(grant.value).toMatch(/^gantry_oidc_[0-9a-f]{48}$/);
    const minted = await issuer.mint(grant.value, "sts.amazonaws.com");
    if (!("token" in minted)) throw new Error(minted.refused);
    const { payload } = await jwtVerify(minted.token, createLocalJWKSet(await issuer.jwks()), {
      issuer: ISSUER,
      audience: "sts.amazonaws.com",
    });
    // The ids are the server's: the repository's, and its actor's (a user here; the owner is not).
    expect(payload).toMatchObject({
      repository: "acme/app",
      repository_id: String(repo.id),
      actor_id: String(octocat.id),
      repository_owner_id: "0",
      runner_environment: "self-hosted",
    });
    const byDefault = await issuer.mint(grant.value);
    if (!("token" in byDefault)) throw new Error(byDefault.refused);
    await jwtVerify(byDefault.token, createLocalJWKSet(await issuer.jwks()), {
      audience: "https://ci.example.com/acme",
    });
    grant.release();
    expect(await issuer.mint(grant.value)).toEqual({ refused: "not a request token of a running job" });
    expect(issuer.activeGrants).toBe(0);
  });

  it("grants nothing without id-token: write, to a fork, to another run's token or an unknown one", async () => {
    const readOnly = await jobToken(jobTokenPermissions({ "id-token": "read" }, undefined, { fork: false }));
    expect(await issuer.grant(readOnly.value, "7", { github: pushGithub })).toBeUndefined();
    const none = await jobToken(jobTokenPermissions(undefined, undefined, { fork: false }));
    expect(await issuer.grant(none.value, "7", { github: pushGithub })).toBeUndefined();
    const fork = await jobToken(jobTokenPermissions("write-all", undefined, { fork: true }));
    expect(await issuer.grant(fork.value, "7", { github: pushGithub })).toBeUndefined();
    const writer = await jobToken(jobTokenPermissions("write-all", undefined, { fork: false }));
    expect(await issuer.grant(writer.value, "8", { github: pushGithub })).toBeUndefined();
    expect(await issuer.grant("gantry_placeholder_abc", "7", { github: pushGithub })).toBeUndefined();
    expect(await issuer.grant("", "7", { github: pushGithub })).toBeUndefined();
    expect(await issuer.mint("gantry_oidc_guess")).toEqual({
      refused: "not a request token of a running job",
    });
  });

  it("refuses a request once the job's GITHUB_TOKEN was revoked (the job ended)", async () => {
    const { value, token } = await jobToken({ "id-token": "write" });
    const grant = await issuer.grant(value, "7", { github: pushGithub });
    if (!grant) throw new Error("no grant");
    expect("token" in (await issuer.mint(grant.value))).toBe(true);
    await store.revokeToken(token.id, new Date().toISOString());
    expect(await issuer.mint(grant.value)).toEqual({ refused: "the job's token was revoked" });
    expect(await issuer.grant(value, "7", { github: pushGithub })).toBeUndefined();
  });
});
