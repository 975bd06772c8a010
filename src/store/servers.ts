import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { ServerRecord } from "./types.js";

/**
 * The servers sharing the database, and which of them drives each run. A server heartbeats its
 * row; one whose heartbeat is old is dead, and a run it drove is adopted by exactly one other
 * (adoptRun moves the run only from the owner the adopter saw).
 */

export async function registerServer(db: Kysely<Database>, server: ServerRecord): Promise<void> {
  await db
    .insertInto("servers")
    .values({
      id: server.id,
      host: server.host,
      data_dir: server.dataDir,
      pid: server.pid,
      url: server.url,
      started_at: server.startedAt,
      heartbeat_at: server.heartbeatAt,
    })
    .execute();
}

/** Moves the server's heartbeat (and its URL, once it listens); false when its row is gone. */
export async function heartbeatServer(
  db: Kysely<Database>,
  id: string,
  at: string,
  url?: string,
): Promise<boolean> {
  const result = await db
    .updateTable("servers")
    .set(url === undefined ? { heartbeat_at: at } : { heartbeat_at: at, url })
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function listServers(db: Kysely<Database>): Promise<ServerRecord[]> {
  const rows = await db.selectFrom("servers").selectAll().orderBy("started_at").execute();
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    dataDir: r.data_dir,
    pid: Number(r.pid),
    url: r.url,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
  }));
}

/**
 * Removes the server's row; with `heartbeatAt`, only while its heartbeat is still that one (a
 * leader judging it dead loses to a heartbeat that moved meanwhile). False when nothing was removed.
 */
export async function removeServer(db: Kysely<Database>, id: string, heartbeatAt?: string): Promise<boolean> {
  let q = db.deleteFrom("servers").where("id", "=", id);
  if (heartbeatAt !== undefined) q = q.where("heartbeat_at", "=", heartbeatAt);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Each unfinished run (queued or in progress) with the server driving it, oldest first. */
export async function unfinishedRunOwners(
  db: Kysely<Database>,
): Promise<{ runId: number; serverId: string | null }[]> {
  const rows = await db
    .selectFrom("runs")
    .select(["id", "server_id"])
    .where("status", "!=", "completed")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({ runId: Number(r.id), serverId: r.server_id ?? null }));
}

/** The server `serverId` drives the run from now on (it starts it, approves it or runs it again). */
export async function driveRun(db: Kysely<Database>, runId: number, serverId: string): Promise<void> {
  await db.updateTable("runs").set({ server_id: serverId }).where("id", "=", runId).execute();
}

/**
 * Takes an unfinished run over from `from` (a dead server, or null: nobody): true for exactly one
 * of the servers that try, none once the run completed or another took it.
 */
export async function adoptRun(
  db: Kysely<Database>,
  runId: number,
  from: string | null,
  to: string,
): Promise<boolean> {
  const result = await db
    .updateTable("runs")
    .set({ server_id: to })
    .where("id", "=", runId)
    .where("status", "!=", "completed")
    .where((eb) => (from === null ? eb("server_id", "is", null) : eb("server_id", "=", from)))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
