import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "./audit-log.js";
import type { Store } from "./store.js";

const GENESIS = "0".repeat(64);

/** A seal for the store's tests: the store keeps what it is given; src/audit makes the real hashes. */
export function testSeal(action: string, over: Partial<AuditRecord> = {}) {
  return (head: AuditRecord | undefined): AuditRecord => {
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS;
    return {
      seq,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      action,
      actor: "admin",
      actorId: 1,
      repo: null,
      tokenId: 7,
      address: "127.0.0.1",
      details: {},
      prevHash,
      hash: createHash("sha256").update(`${prevHash}${seq}${action}`).digest("hex"),
      ...over,
    };
  };
}

/** Every entry links to the one before it: seq 1, 2, … and prev_hash = the previous hash. */
export function expectUnforked(entries: AuditRecord[]): void {
  entries.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
    expect(e.prevHash).toBe(i === 0 ? GENESIS : entries[i - 1].hash);
  });
}

/**
 * The audit trail's part of the Store contract (store-contract.ts): run it with a factory that
 * opens an empty store: `describeAuditContract("SQLite", () => openSqliteStore(":memory:"))`.
 */
export function describeAuditContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract (audit trail): ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it("appends entries on the head, numbered from 1, and keeps every field", async () => {
      expect(await store.auditHead()).toBeUndefined();
      const first = await store.appendAudit(
        testSeal("repo.create", {
          repo: "acme/app",
          details: { url: "https://x/y.git", n: [1, { a: null }] },
        }),
      );
      expect(first.seq).toBe(1);
      expect(first.prevHash).toBe(GENESIS);
      const second = await store.appendAudit(
        testSeal("server.stop", { actor: null, actorId: null, tokenId: null, address: null }),
      );
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
      expect(await store.auditHead()).toEqual(second);
      const { total, entries } = await store.listAudit({ order: "asc" });
      expect(total).toBe(2);
      expect(entries).toEqual([first, second]);
    });

    it("never forks the chain under concurrent appends", async () => {
      await Promise.all(Array.from({ length: 25 }, (_, i) => store.appendAudit(testSeal(`a.n${i}`))));
      const { entries } = await store.listAudit({ order: "asc", perPage: 100 });
      expect(entries).toHaveLength(25);
      expectUnforked(entries);
    });

    it("filters by action or category, actor, repository, time and seq; pages newest first", async () => {
      await store.appendAudit(testSeal("repo.create", { repo: "acme/app" }));
      await store.appendAudit(testSeal("repo.destroy", { repo: "acme/lib", actor: "ops" }));
      await store.appendAudit(testSeal("repo_x.create", { repo: "acme/app" }));
      await store.appendAudit(testSeal("workflows.cancel_workflow_run", { repo: "acme/app" }));
      const actions = async (filter: Parameters<Store["listAudit"]>[0]) =>
        (await store.listAudit(filter)).entries.map((e) => e.action);
      expect(await actions({ action: "repo" })).toEqual(["repo.destroy", "repo.create"]);
      expect(await actions({ action: "repo.create" })).toEqual(["repo.create"]);
      // `_` is a letter of the category, not a wildcard.
      expect(await actions({ action: "rep_" })).toEqual([]);
      expect(await actions({ actor: "ops" })).toEqual(["repo.destroy"]);
      expect(await actions({ repo: "acme/app", order: "asc" })).toEqual([
        "repo.create",
        "repo_x.create",
        "workflows.cancel_workflow_run",
      ]);
      // Entry n is at second n of 2026 (testSeal).
      expect(
        await actions({ after: "2026-01-01T00:00:02.000Z", before: "2026-01-01T00:00:04.000Z" }),
      ).toEqual(["repo_x.create", "repo.destroy"]);
      expect(await actions({ fromSeq: 2, toSeq: 3, order: "asc" })).toEqual([
        "repo.destroy",
        "repo_x.create",
      ]);
      const page2 = await store.listAudit({ perPage: 3, page: 2 });
      expect(page2.total).toBe(4);
      expect(page2.entries.map((e) => e.seq)).toEqual([1]);
    });

    it("keeps one checkpoint per seq and finds the latest at or before a seq", async () => {
      const cp = (seq: number, prevSeq = seq === 3 ? 0 : 3) => ({
        seq,
        hash: "h".repeat(64),
        prevSeq,
        at: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
        keyId: "k1",
        signature: `sig${seq}`,
      });
      expect(await store.lastAuditCheckpoint()).toBeUndefined();
      expect(await store.putAuditCheckpoint(cp(3))).toBe(true);
      expect(await store.putAuditCheckpoint(cp(7))).toBe(true);
      expect(await store.putAuditCheckpoint({ ...cp(7), signature: "other" })).toBe(false);
      // A second successor of checkpoint 3 (another server's, signed on an older head): refused.
      expect(await store.putAuditCheckpoint(cp(5, 3))).toBe(false);
      expect(await store.lastAuditCheckpoint()).toEqual(cp(7));
      expect(await store.lastAuditCheckpoint(6)).toEqual(cp(3));
      expect(await store.lastAuditCheckpoint(2)).toBeUndefined();
      expect((await store.listAuditCheckpoints(1, 7)).map((c) => c.seq)).toEqual([3, 7]);
      expect((await store.listAuditCheckpoints(4, 10)).map((c) => c.signature)).toEqual(["sig7"]);
    });
  });
}
