import { isPostgresUrl, openPostgresStore, redactDatabaseUrl } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

/** Which database a server keeps its state in: PostgreSQL by URL, else a SQLite file. */
export type StoreLocation = { kind: "postgres"; url: string } | { kind: "sqlite"; file: string };

/** Opens (and migrates) the store at `location`. */
export function openStore(location: StoreLocation): Promise<Store> {
  return location.kind === "postgres" ? openPostgresStore(location.url) : openSqliteStore(location.file);
}

/** The location as a message may name it (a PostgreSQL URL without its password). */
export function describeStoreLocation(location: StoreLocation): string {
  return location.kind === "postgres"
    ? `PostgreSQL at ${redactDatabaseUrl(location.url)}`
    : `SQLite at ${location.file}`;
}

/**
 * Reads a `--database`-style URL: postgres:// or postgresql:// (PostgreSQL), or sqlite:PATH (a
 * SQLite file, or the gantry.db of a data directory). `what` names where it came from, for the
 * error.
 */
export function parseStoreLocation(url: string, what: string): StoreLocation {
  if (isPostgresUrl(url)) {
    try {
      const parsed = new URL(url);
      if (!parsed.hostname && !parsed.searchParams.get("host"))
        throw new Error(`${what} names no PostgreSQL host: ${redactDatabaseUrl(url)}`);
    } catch (err) {
      if (err instanceof TypeError) throw new Error(`${what} is not a valid URL: ${redactDatabaseUrl(url)}`);
      throw err;
    }
    return { kind: "postgres", url };
  }
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length);
    if (!file) throw new Error(`${what} names no SQLite file: sqlite:PATH`);
    return { kind: "sqlite", file };
  }
  throw new Error(
    `${what} must be a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL (or sqlite:PATH), got ${redactDatabaseUrl(url)}`,
  );
}
