import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore, type Store } from "../store/index.js";
import { canonicalJson } from "./canonical-json.js";
import { type AuditEntry, entryHash } from "./entry.js";
import { REDACTED, safeDetails } from "./redact.js";
import { openSigningKey, parsePublicKey, publicKeyText } from "./signing-key.js";
import { AuditTrail } from "./trail.js";
import { verifyExport } from "./verify.js";

const keyFile = () => join(mkdtempSync(join(tmpdir(), "gantry-audit-")), "audit-signing.key");

describe("canonical JSON", () => {
  it("sorts keys at every depth, drops undefined, writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: [{ d: "x", c: null }], u: undefined, "€": true, Z: 1.5 })).toBe(
      '{"Z":1.5,"a":[{"c":null,"d":"x"}],"b":1,"€":true}',
    );
    expect(canonicalJson('line\n"q"')).toBe('"line\\n\\"q\\""');
  });
});

describe("signing key", () => {
  it("is made at the first open (0600) and read back after", () => {
    const file = keyFile();
    const made = openSigningKey(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(openSigningKey(file).keyId).toBe(made.keyId);
    const { key, pem } = publicKeyText(made.publicKey);
    for (const form of [key, pem, JSON.stringify({ key_id: made.keyId, key })]) {
      expect(parsePublicKey(form).equals(made.publicKey)).toBe(true);
    }
    const raw = made.publicKey.export({ format: "jwk" }).x as string;
    expect(parsePublicKey(Buffer.from(raw, "base64url").toString("base64")).equals(made.publicKey)).toBe(
      true,
    );
  });

  it("refuses a key file that is not an Ed25519 private key, rather than replacing it", () => {
    const file = keyFile();
    writeFileSync(file, "not a key");
    expect(() => openSigningKey(file)).toThrow(/not a private key/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    writeFileSync(file, rsa.export({ type: "pkcs8", format: "pem" }));
    expect(() => openSigningKey(file)).toThrow(/rsa key, not Ed25519/);
    expect(() => parsePublicKey("hello world")).toThrow(/neither PEM nor base64/);
  });
});

describe("redaction", () => {
  it("keeps names and ids, never secret-named values or a URL's credentials", () => {
    expect(
      safeDetails({
        name: "DEPLOY_KEY",
        secret_names: ["A", "B"],
        token_id: 4,
        token: "ghp_abc",
        config: { secret: "s3cret", url: "https://user:pw@hooks.example/x?token=t#f", content_type: "json" },
        client_payload: { anything: 1 },
        password: null,
      }),
    ).toEqual({
      name: "DEPLOY_KEY",
      secret_names: ["A", "B"],
      token_id: 4,
      token: REDACTED,
      config: { secret: REDACTED, url: "https://hooks.example/x", content_type: "json" },
      client_payload: REDACTED,
      password: null,
    });
  });
});

describe("the audit trail", () => {
  let store: Store;
  let trail: AuditTrail;
  let clock: number;
  beforeEach(async () => {
    store = await openSqliteStore(":memory:");
    clock = Date.UTC(2026, 11, 6, 1, 0, 0);
    trail = new AuditTrail(store, openSigningKey(keyFile()), () => clock);
  });
  afterEach(async () => {
    await store.close();
  });

  async function fill(n: number, checkpointEvery = 0) {
    for (let i = 1; i <= n; i++) {
      clock += 1000;
      await trail.append({
        action: i % 2 ? "workflows.cancel_workflow_run" : "repo.create",
        actor: "admin",
        actorId: 1,
        tokenId: 1,
        repo: "acme/app",
        address: "127.0.0.1",
        details: { run_id: i },
      });
      if (checkpointEvery && i % checkpointEvery === 0) await trail.checkpoint();
    }
  }

  async function exported(since?: number): Promise<string[]> {
    const lines: string[] = [];
    for await (const line of trail.exportLines(since)) lines.push(line);
    return lines;
  }

  const keys = () => [trail.key.publicKey];
  const verify = (lines: string[]) => verifyExport(`${lines.join("\n")}\n`, keys());
  const problem = (lines: string[]) => {
    const result = verify(lines);
    if (result.ok) throw new Error("verified");
    return result.problem;
  };
  /** The line index of entry `seq`. */
  const lineOf = (lines: string[], seq: number) =>
    lines.findIndex((l) => {
      const v = JSON.parse(l);
      return v.type !== "checkpoint" && v.seq === seq;
    });

  it("chains each entry to the one before by its SHA-256, under concurrent appends too", async () => {
    const entries = await Promise.all(
      Array.from({ length: 10 }, (_, i) => trail.append({ action: `x.n${i}`, details: { i } })),
    );
    entries.sort((a, b) => a.seq - b.seq);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    entries.forEach((e, i) => {
      expect(e.hash).toBe(entryHash(e));
      expect(e.prev_hash).toBe(i === 0 ? "0".repeat(64) : entries[i - 1].hash);
    });
  });

  it("exports entries with their checkpoints, ending with one over the last entry, and verifies", async () => {
    await fill(7, 3);
    const lines = await exported();
    const kinds = lines.map((l) =>
      JSON.parse(l).type === "checkpoint" ? `c${JSON.parse(l).seq}` : JSON.parse(l).seq,
    );
    expect(kinds).toEqual([1, 2, 3, "c3", 4, 5, 6, "c6", 7, "c7"]);
    expect(verify(lines)).toMatchObject({ ok: true, entries: 7, firstSeq: 1, lastSeq: 7, checkpoints: 3 });
    // Nothing new: the export signs nothing more.
    expect(await exported()).toEqual(lines);
  });

  it("names the entry edited", async () => {
    await fill(6, 2);
    const lines = await exported();
    const i = lineOf(lines, 4);
    const e = JSON.parse(lines[i]) as AuditEntry;
    lines[i] = JSON.stringify({ ...e, actor: "mallory" });
    expect(problem(lines)).toMatchObject({ kind: "edited", seq: 4, line: i + 1 });
  });

  it("names an entry edited with its hash recomputed (the next entry no longer follows it)", async () => {
    await fill(6, 2);
    const lines = await exported();
    const i = lineOf(lines, 3);
    const e = JSON.parse(lines[i]) as AuditEntry;
    const forged = { ...e, details: { run_id: 99 } };
    lines[i] = JSON.stringify({ ...forged, hash: entryHash(forged) });
    expect(problem(lines)).toMatchObject({ kind: "edited", seq: 3, line: i + 1 });
  });

  it("catches a chain rewritten after an edit by the checkpoint signed over it", async () => {
    await fill(6, 3);
    const lines = await exported();
    // Rewrite entries 2 … 3 (edit 2, re-hash and re-link 3): only the signature over 3 says so.
    let prevHash = (JSON.parse(lines[lineOf(lines, 1)]) as AuditEntry).hash;
    for (const seq of [2, 3]) {
      const i = lineOf(lines, seq);
      const e = JSON.parse(lines[i]) as AuditEntry;
      const forged = { ...e, prev_hash: prevHash, details: seq === 2 ? { run_id: 42 } : e.details };
      const hash = entryHash(forged);
      lines[i] = JSON.stringify({ ...forged, hash });
      prevHash = hash;
    }
    expect(problem(lines)).toMatchObject({ kind: "edited", seq: 1 });
    expect(problem(lines).message).toMatch(/entries 1 to 3 are not those the checkpoint signed/);
  });

  it("names the entry removed", async () => {
    await fill(6, 2);
    const lines = await exported();
    lines.splice(lineOf(lines, 5), 1);
    expect(problem(lines)).toMatchObject({ kind: "removed", seq: 5 });
    // The last entry, before the final checkpoint.
    const again = await exported();
    again.splice(lineOf(again, 6), 1);
    expect(problem(again)).toMatchObject({ kind: "removed", seq: 6 });
    // The first.
    const first = await exported();
    first.splice(lineOf(first, 1), 1);
    expect(problem(first)).toMatchObject({ kind: "removed", seq: 1 });
  });

  it("names an entry out of order when two lines are swapped", async () => {
    await fill(6);
    const lines = await exported();
    const [a, b] = [lineOf(lines, 2), lineOf(lines, 3)];
    [lines[a], lines[b]] = [lines[b], lines[a]];
    expect(problem(lines)).toMatchObject({ kind: "reordered", seq: 3, line: a + 1 });
  });

  it("names a forged line inserted, with or without a hash that fits", async () => {
    await fill(6, 3);
    const lines = await exported();
    const i = lineOf(lines, 4);
    const e = JSON.parse(lines[i]) as AuditEntry;
    const crude = [...lines];
    crude.splice(i, 0, JSON.stringify({ ...e, action: "repo.destroy" }));
    expect(problem(crude)).toMatchObject({ kind: "inserted", seq: 4, line: i + 1 });
    // A forgery that links to entry 3 and hashes right: the genuine entry 4 follows on from 3.
    const fitted = [...lines];
    const forged = { ...e, action: "repo.destroy" };
    fitted.splice(i, 0, JSON.stringify({ ...forged, hash: entryHash(forged) }));
    expect(problem(fitted)).toMatchObject({ kind: "inserted", seq: 4, line: i + 1 });
    // After the last checkpoint.
    const appended = [...lines, JSON.stringify({ ...e, seq: 7 })];
    expect(problem(appended)).toMatchObject({ kind: "inserted", seq: 7, line: appended.length });
  });

  it("refuses a forged checkpoint and another server's key", async () => {
    await fill(4, 2);
    const lines = await exported();
    const i = lines.findIndex((l) => JSON.parse(l).type === "checkpoint");
    const cp = JSON.parse(lines[i]);
    const forged = [...lines];
    forged[i] = JSON.stringify({ ...cp, "@timestamp": cp["@timestamp"] + 1 });
    expect(problem(forged)).toMatchObject({ kind: "edited", line: i + 1 });
    const other = openSigningKey(keyFile()).publicKey;
    const result = verifyExport(lines.join("\n"), [other]);
    expect(result.ok ? undefined : result.problem.kind).toBe("unsigned");
    const middle = [...lines];
    middle.splice(i, 1);
    expect(problem(middle)).toMatchObject({ kind: "removed", seq: cp.seq });
    const cut = lines.slice(0, -1);
    expect(problem(cut)).toMatchObject({ kind: "unsigned" });
    expect(problem(["{not json"])).toMatchObject({ kind: "malformed", line: 1 });
  });

  it("fails to verify after any one line is edited, removed, or swapped with the next", async () => {
    await fill(8, 3);
    const lines = await exported();
    const fails = (changed: string[], what: string) => {
      const result = verify(changed);
      if (result.ok) throw new Error(`verified after ${what}`);
    };
    for (let i = 0; i < lines.length; i++) {
      const removed = [...lines];
      removed.splice(i, 1);
      fails(removed, `removing line ${i + 1}`);
      const v = JSON.parse(lines[i]);
      const edited = [...lines];
      edited[i] = JSON.stringify({ ...v, "@timestamp": v["@timestamp"] + 1 });
      fails(edited, `editing line ${i + 1}`);
      if (i + 1 < lines.length) {
        const swapped = [...lines];
        [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
        fails(swapped, `swapping lines ${i + 1} and ${i + 2}`);
      }
    }
  });

  it("exports --since from the checkpoint before that time, which vouches for the first entry", async () => {
    await fill(9, 3);
    const since = clock - 4500; // entries 1..9 are at clock-8000 … clock: since falls before entry 5
    const lines = await exported(since);
    const first = JSON.parse(lines[0]);
    expect(first).toMatchObject({ type: "checkpoint", seq: 3 });
    expect(JSON.parse(lines[1]).seq).toBe(4);
    expect(verify(lines)).toMatchObject({ ok: true, firstSeq: 4, lastSeq: 9 });
    // Without the checkpoint nothing vouches for entry 4's prev_hash.
    expect(problem(lines.slice(1))).toMatchObject({ kind: "removed", seq: 3 });
    // Entry 4 removed: entry 5 does not follow on from the checkpoint.
    const cut = [...lines];
    cut.splice(1, 1);
    expect(problem(cut)).toMatchObject({ kind: "removed", seq: 4 });
    // Before the first checkpoint: the whole chain, from entry 1.
    expect(JSON.parse((await exported(0))[0]).seq).toBe(1);
  });

  it("never records a secret-named value", async () => {
    const e = await trail.append({
      action: "hook.create",
      details: { config: { secret: "hunter2-secret" } },
    });
    expect(JSON.stringify(e)).not.toContain("hunter2");
    const lines = await exported();
    expect(lines.join("\n")).not.toContain("hunter2");
  });
});
