import { describe, expect, it } from "vitest";
import { MasterKey } from "../secrets/index.js";
import { isTokenProblem, type JobGrant, JobTokens, type TokenProblem } from "./job-tokens.js";

const PURPOSE = "actions job tokens";
const bearer = (token: string) => `Bearer ${token}`;

function granted(v: JobGrant | TokenProblem): JobGrant {
  if (isTokenProblem(v)) throw new Error(`refused: ${v.reason}`);
  return v;
}

describe("JobTokens across servers", () => {
  it("accepts on one server a token another issued with a key from the same master key, refuses it with another key", () => {
    const master = MasterKey.generate();
    const another = MasterKey.generate();
    // Two servers of one database hold the same master key (from the key file or GANTRY_MASTER_KEY).
    const sameText = new MasterKey(Buffer.from(master.toText(), "base64"));
    const a = new JobTokens({ key: master.deriveKey(PURPOSE) });
    const b = new JobTokens({ key: sameText.deriveKey(PURPOSE) });
    const stranger = new JobTokens({ key: another.deriveKey(PURPOSE) });
    const { grant, token } = a.issue("77", ["o/r:refs/heads/main", "o/r:refs/heads/dev"], 3, {
      servicesUrl: "https://ci.example/_services/actions/",
    });

    expect(granted(b.verify(bearer(token)))).toEqual(grant);
    expect(grant).toMatchObject({
      runId: "77",
      attempt: 3,
      servicesUrl: "https://ci.example/_services/actions/",
    });
    expect(stranger.verify(bearer(token))).toEqual({
      status: 401,
      reason: "Invalid ACTIONS_RUNTIME_TOKEN: not a token this server issued",
    });
    // Another purpose's key is another key.
    expect(isTokenProblem(new JobTokens({ key: master.deriveKey("other") }).verify(bearer(token)))).toBe(
      true,
    );

    // A URL one server signed holds on the other, not on a stranger.
    const path = "/_blob/cache/uploads/1";
    const query = new URLSearchParams(a.signPath(path));
    expect(b.checkSignedPath(path, query)).toBeUndefined();
    expect(stranger.checkSignedPath(path, query)).toBe("The URL's signature does not match");
  });

  it("keeps a job's grant in its token: claims changed by hand are refused", () => {
    const key = MasterKey.generate().deriveKey(PURPOSE);
    const tokens = new JobTokens({ key });
    const { token } = tokens.issue("5", ["o/r:refs/heads/feature"]);
    const [head, body, sig] = token.split(".");
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    claims.ac = JSON.stringify([{ Scope: "o/r:refs/heads/main", Permission: 3 }]);
    const forged = `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${sig}`;
    expect(isTokenProblem(new JobTokens({ key }).verify(bearer(forged)))).toBe(true);
  });

  it("refuses a revoked job's token where it was revoked, and any token past its expiry", () => {
    const key = MasterKey.generate().deriveKey(PURPOSE);
    let now = Date.parse("2026-01-01T00:00:00Z");
    const a = new JobTokens({ key, now: () => now });
    const { grant, token } = a.issue("9", ["o/r:refs/heads/main"]);
    a.revoke(grant.jobId);
    expect(a.verify(bearer(token))).toMatchObject({
      status: 401,
      reason: expect.stringContaining("finished"),
    });
    const b = new JobTokens({ key, now: () => now });
    expect(granted(b.verify(bearer(token))).jobId).toBe(grant.jobId);
    now += 25 * 60 * 60 * 1000;
    expect(b.verify(bearer(token))).toMatchObject({ status: 401 });
  });

  it("keeps each revoked job refused until its token expires, however many jobs ended since", () => {
    const key = MasterKey.generate().deriveKey(PURPOSE);
    let now = Date.parse("2026-01-01T00:00:00Z");
    const tokens = new JobTokens({ key, now: () => now });
    const issued = Array.from({ length: 5 }, () => tokens.issue("9", ["o/r:refs/heads/main"]));
    for (const { grant } of issued.slice(0, 3)) {
      tokens.revoke(grant.jobId);
      now += 60_000;
    }
    // Revoked again later: refused until its new expiry, not the first one's.
    tokens.revoke(issued[0].grant.jobId);
    for (const { grant } of issued.slice(0, 3)) expect(tokens.isLive(grant.jobId)).toBe(false);
    // A day on, the first revokes have expired (the tokens with them); a revoke sweeps them out
    // and keeps the one revoked again.
    now += 24 * 60 * 60 * 1000 - 30_000;
    tokens.revoke(issued[3].grant.jobId);
    expect(issued.map(({ grant }) => tokens.isLive(grant.jobId))).toEqual([false, true, true, false, true]);
    expect(tokens.verify(bearer(issued[4].token))).toMatchObject({ status: 401 });
  });

  it("refuses on every server a token whose job's life ended, wherever it ended", async () => {
    const key = MasterKey.generate().deriveKey(PURPOSE);
    // The store every server shares: which jobs still run.
    const running = new Set(["17"]);
    const alive = async (ref: string) => running.has(ref);
    const a = new JobTokens({ key, alive });
    const b = new JobTokens({ key, alive });
    const { grant, token } = a.issue("9", ["o/r:refs/heads/main"], 1, { lifeRef: "17" });
    expect(granted(await b.check(bearer(token))).lifeRef).toBe("17");
    expect(await b.jobAlive(grant)).toBe(true);
    running.delete("17");
    expect(await b.check(bearer(token))).toMatchObject({
      status: 401,
      reason: expect.stringContaining("finished"),
    });
    expect(await b.jobAlive(grant)).toBe(false);
    // A token bound to nothing (gantry run) holds until revoked or expired.
    const free = a.issue("9", ["o/r:refs/heads/main"]);
    expect(granted(await b.check(bearer(free.token))).jobId).toBe(free.grant.jobId);
  });

  it("refuses a key shorter than 32 bytes", () => {
    expect(() => new JobTokens({ key: Buffer.alloc(16) })).toThrow(/32 bytes/);
  });
});
