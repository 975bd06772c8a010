import type { Kysely } from "kysely";
import { serialize } from "./dialect.js";
import type { Database } from "./schema.js";
import type { TriggerMemory } from "./types.js";

// Rows by kind: `ref` (name: full ref, value: sha), `tick` (name: schedule key, value: ISO time),
// and one `seen` row once the refs have been looked at, so that "no refs" and "never looked" differ.
// `pending` (name: schedule key, value: ISO time of a tick being started).
type Kind = "ref" | "tick" | "seen" | "pending";

function rowsOf(memory: TriggerMemory): Map<string, string> {
  const rows = new Map<string, string>();
  if (memory.refs) {
    rows.set("seen\0", "");
    for (const [ref, sha] of Object.entries(memory.refs)) rows.set(`ref\0${ref}`, sha);
  }
  for (const [key, at] of Object.entries(memory.ticks)) rows.set(`tick\0${key}`, at);
  for (const [key, at] of Object.entries(memory.pending ?? {})) rows.set(`pending\0${key}`, at);
  return rows;
}

function split(key: string): { kind: string; name: string } {
  const at = key.indexOf("\0");
  return { kind: key.slice(0, at), name: key.slice(at + 1) };
}

export async function getTriggerMemory(db: Kysely<Database>, repoId: number): Promise<TriggerMemory> {
  const rows = await db.selectFrom("trigger_state").selectAll().where("repo_id", "=", repoId).execute();
  const memory: TriggerMemory = { ticks: {} };
  const refs: Record<string, string> = {};
  let seen = false;
  for (const row of rows) {
    const kind = row.kind as Kind;
    if (kind === "seen") seen = true;
    else if (kind === "ref") refs[row.name] = row.value;
    else if (kind === "tick") memory.ticks[row.name] = row.value;
    else if (kind === "pending") (memory.pending ??= {})[row.name] = row.value;
  }
  if (seen) memory.refs = refs;
  return memory;
}

/** Replaces the repository's memory, writing only the rows that changed, in one transaction. */
export async function putTriggerMemory(
  db: Kysely<Database>,
  repoId: number,
  memory: TriggerMemory,
): Promise<void> {
  const wanted = rowsOf(memory);
  await db.transaction().execute(async (tx) => {
    await serialize(tx, `trigger_state:${repoId}`);
    const current = await tx.selectFrom("trigger_state").selectAll().where("repo_id", "=", repoId).execute();
    const have = new Map(current.map((r) => [`${r.kind}\0${r.name}`, r.value]));
    for (const key of have.keys()) {
      if (wanted.has(key)) continue;
      const { kind, name } = split(key);
      await tx
        .deleteFrom("trigger_state")
        .where("repo_id", "=", repoId)
        .where("kind", "=", kind)
        .where("name", "=", name)
        .execute();
    }
    for (const [key, value] of wanted) {
      if (have.get(key) === value) continue;
      const { kind, name } = split(key);
      await tx
        .insertInto("trigger_state")
        .values({ repo_id: repoId, kind, name, value })
        .onConflict((oc) => oc.columns(["repo_id", "kind", "name"]).doUpdateSet({ value }))
        .execute();
    }
  });
}
