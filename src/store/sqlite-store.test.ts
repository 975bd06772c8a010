import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { openSqliteStore } from "./sqlite.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("SQLite in memory", () => openSqliteStore(":memory:"));
describeStoreContract("SQLite file (WAL)", () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db")),
);

it("keeps what it stored across a reopen, migrating once", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db");
  const a = await openSqliteStore(file);
  await a.addRepo({ owner: "o", name: "n", url: "u", defaultBranch: "main", pollIntervalSeconds: 0 });
  await a.close();
  const b = await openSqliteStore(file);
  expect((await b.listRepos()).map((r) => r.name)).toEqual(["n"]);
  await b.close();
});
