import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeAuditContract, expectUnforked, testSeal } from "./audit-contract.js";
import { openSqliteStore } from "./sqlite.js";

describeAuditContract("SQLite in memory", () => openSqliteStore(":memory:"));
describeAuditContract("SQLite file (WAL)", () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db")),
);

it("keeps one unforked audit chain when two servers append to the same database file", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db");
  const a = await openSqliteStore(file);
  const b = await openSqliteStore(file);
  await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).appendAudit(testSeal(`x.n${i}`))));
  const { entries } = await a.listAudit({ order: "asc", perPage: 100 });
  expect(entries).toHaveLength(30);
  expectUnforked(entries);
  await a.close();
  await b.close();
});
