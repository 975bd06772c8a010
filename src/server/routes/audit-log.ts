import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { entryOf } from "../../audit/index.js";
import { requireSiteAdmin } from "../access.js";
import { queryOf, type ServerContext } from "../context.js";
import { githubPageFields, setLinkHeader } from "../paging.js";
import { isoTime } from "../validate.js";

const auditQuery = z
  .object({
    action: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*$/, "an action (repo.create) or a category (repo)")
      .optional(),
    actor: z.string().min(1).max(100).optional(),
    repo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, "owner/name")
      .optional(),
    after: isoTime.optional(),
    before: isoTime.optional(),
    order: z.enum(["asc", "desc"]).default("desc"),
    ...githubPageFields,
  })
  .strict();

const exportQuery = z.object({ since: isoTime.optional() }).strict();

/**
 * The audit trail: the log (site admins; GitHub's enterprise audit-log entries, filtered and
 * paged), the public key its checkpoints verify with, and the export `gantry audit verify` checks.
 */
export function auditLogRoutes(ctx: ServerContext): Hono {
  const app = new Hono();

  app.get("/audit-log", async (c) => {
    requireSiteAdmin(c);
    const q = queryOf(c, auditQuery);
    const { total, entries } = await ctx.store.listAudit({
      action: q.action,
      actor: q.actor,
      repo: q.repo,
      after: q.after,
      before: q.before,
      order: q.order,
      page: q.page,
      perPage: q.per_page,
    });
    setLinkHeader(c, q.page, q.per_page, total);
    return c.json(entries.map(entryOf));
  });

  app.get("/audit-log/public-key", (c) => c.json(ctx.audit.trail.publicKey()));

  // gantry's own: the whole trail (or from --since) as JSON lines, with its signed checkpoints.
  app.get("/audit-log/export", async (c) => {
    requireSiteAdmin(c);
    const q = queryOf(c, exportQuery);
    const lines = ctx.audit.trail.exportLines(q.since === undefined ? undefined : Date.parse(q.since));
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${next.value}\n`));
      },
      async cancel() {
        await lines.return(undefined);
      },
    });
    return c.body(body, 200, { "content-type": "application/x-ndjson; charset=utf-8" });
  });

  return app;
}
