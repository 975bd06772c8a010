import {
  type Kysely,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresAdapter,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
  type ValueNode,
} from "kysely";
import type { Database } from "./schema.js";

/**
 * What differs between SQLite and PostgreSQL, in this one place. The statement groups are plain
 * Kysely and run unchanged on both: ids come from the `sequences` table (not autoincrement),
 * booleans are 0/1 integers, JSON and times are text (ISO-8601 with milliseconds, so they sort as
 * text), and counts come back as numbers or numeric strings (the rows' converters take Number()).
 */

/** Whether the store runs on PostgreSQL. */
export function onPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Takes a lock named `key` until the transaction ends, so that transactions that read, then
 * write the same rows (delete and insert again) run one after the other. PostgreSQL: an advisory
 * transaction lock (pool connections and other servers run at once). SQLite: nothing to do, it
 * has one writer at a time.
 */
export async function serialize(tx: Kysely<Database>, key: string): Promise<void> {
  if (!onPostgres(tx)) return;
  await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(tx);
}

function withoutNul(value: unknown): unknown {
  return typeof value === "string" && value.includes("\0") ? value.replaceAll("\0", "\uFFFD") : value;
}

/**
 * Whether a query's tree has a value NulTransformer would change: a string with a NUL in a
 * ValueNode or a PrimitiveValueListNode. Reads the tree only (no copy), visiting every node.
 */
export function holdsNul(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(holdsNul);
  if (node === null || typeof node !== "object") return false;
  const n = node as { kind?: unknown; value?: unknown; values?: unknown[] };
  if (n.kind === "ValueNode") return typeof n.value === "string" && n.value.includes("\0");
  if (n.kind === "PrimitiveValueListNode")
    return (n.values ?? []).some((v) => typeof v === "string" && v.includes("\0"));
  for (const key in n) {
    const child = (n as Record<string, unknown>)[key];
    if (child !== null && typeof child === "object" && holdsNul(child)) return true;
  }
  return false;
}

class NulTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return { ...super.transformValue(node), value: withoutNul(node.value) };
  }
  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return { ...super.transformPrimitiveValueList(node), values: node.values.map(withoutNul) };
  }
}

/**
 * PostgreSQL's text cannot hold U+0000 (SQLite's can): on both dialects a NUL in any text the
 * store is given becomes U+FFFD, so that what is kept, and what a lookup matches, is the same on
 * either and an insert never fails on it.
 */
export class NoNulPlugin implements KyselyPlugin {
  readonly #transformer = new NulTransformer();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    // Rebuilding the tree copies and freezes every node of every query; most hold no NUL at all.
    return holdsNul(args.node) ? this.#transformer.transformNode(args.node) : args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
