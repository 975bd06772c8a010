import { type Context, Hono } from "hono";
import { z } from "zod";
import type { HookDelivery, Repo, RepoHook } from "../../store/index.js";
import { repoAccess } from "../access.js";
import type { AuditOptions } from "../audit.js";
import { baseUrl, bodyOf, HttpError, idParam, queryOf, type ServerContext } from "../context.js";
import { createHookBody, patchHookBody } from "../hook-schemas.js";
import { hookUrlProblem } from "../hook-url.js";
import { githubPageFields } from "../paging.js";

/** A hook's recent deliveries: at most `per_page` (GitHub's default 30, at most 100). */
const deliveriesQuery = z.object({ per_page: githubPageFields.per_page });

/** A hook in GitHub's shape; its secret is `********` when it has one, never the secret. */
function hookJson(hook: RepoHook, repo: Repo, base: string, last?: HookDelivery) {
  const url = `${base}/api/v1/repos/${repo.owner}/${repo.name}/hooks/${hook.id}`;
  return {
    type: "Repository",
    id: hook.id,
    name: "web",
    active: hook.active,
    events: hook.events,
    config: {
      content_type: hook.contentType,
      insecure_ssl: "0",
      url: hook.url,
      ...(hook.secretSealed ? { secret: "********" } : {}),
    },
    updated_at: hook.updatedAt,
    created_at: hook.createdAt,
    url,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    last_response: last
      ? {
          code: last.statusCode,
          status: last.status === "delivered" ? "active" : last.status,
          message: last.error,
        }
      : { code: null, status: "unused", message: null },
  };
}

/** A delivery in GitHub's shape (the list's fields; `payload` too for one). */
function deliveryJson(d: HookDelivery, repo: Repo, withPayload: boolean) {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: d.deliveredAt ?? d.createdAt,
    redelivery: false,
    duration: d.durationMs === null ? null : d.durationMs / 1000,
    status: d.status === "delivered" ? "OK" : (d.error ?? d.status),
    status_code: d.statusCode ?? 0,
    event: d.event,
    action: d.action,
    installation_id: null,
    repository_id: repo.id,
    // gantry's own: where the delivery stands (pending: another attempt is coming).
    state: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    ...(withPayload
      ? {
          request: {
            headers: { "X-GitHub-Event": d.event, "X-GitHub-Delivery": d.guid },
            payload: JSON.parse(d.payload),
          },
        }
      : {}),
  };
}

/**
 * GitHub's repository webhooks (`/repos/{owner}/{repo}/hooks`): create, list, get, update, delete,
 * ping, and each hook's delivery log: a repository admin's (a hook's deliveries carry what happens in
 * the repository, its URL and secret are the admin's to set); the URL must pass the config's outgoing_webhooks policy (hook-url.ts).
 */
/**
 * What the trail keeps of a hook: its id, events and where it goes (the host only: a hook's URL
 * path or query is often its credential, as a chat service's incoming-webhook URL is).
 */
function hookDetails(hook: RepoHook): NonNullable<AuditOptions["details"]> {
  let host: string | null = null;
  try {
    host = new URL(hook.url).host;
  } catch {
    // not a URL: no host to keep
  }
  return {
    hook_id: hook.id,
    events: hook.events,
    active: hook.active,
    content_type: hook.contentType,
    url_host: host,
  };
}

export function repoHookRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const { store } = ctx;

  function sender() {
    if (!ctx.outgoing) throw new HttpError(500, "Repository hooks are not available on this server");
    return ctx.outgoing;
  }

  function checkUrl(url: string) {
    const problem = hookUrlProblem(
      url,
      ctx.outgoing?.policy ?? { url_schemes: ["https"], allow_private_networks: false },
    );
    if (problem) throw new HttpError(422, "Validation Failed", [problem]);
  }

  async function hookOf(c: Context) {
    const repo = await repoAccess(ctx, c, "admin");
    const hook = await store.getHook(idParam(c, "id"));
    if (!hook || hook.repoId !== repo.id) throw new HttpError(404, "Not Found: no such hook");
    return { repo, hook };
  }

  async function answer(hook: RepoHook, repo: Repo, c: Context) {
    const [last] = await store.listHookDeliveries(hook.id, 1);
    return hookJson(hook, repo, baseUrl(c), last);
  }

  app.post("/repos/:owner/:repo/hooks", async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    const body = await bodyOf(c, createHookBody);
    const { secrets } = sender();
    checkUrl(body.config.url);
    const hook = await store.addHook({
      repoId: repo.id,
      url: body.config.url,
      contentType: body.config.content_type ?? "json",
      secretSealed: body.config.secret ? secrets.seal(body.config.secret) : null,
      events: [...new Set(body.events)],
      active: body.active,
    });
    await ctx.audit.record(c, "hook.create", { repo, details: hookDetails(hook) });
    const json = hookJson(hook, repo, baseUrl(c));
    if (hook.active) await sender().ping(repo.id, hook, json);
    return c.json(json, 201);
  });

  app.get("/repos/:owner/:repo/hooks", async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    const hooks = await store.listHooks(repo.id);
    return c.json(await Promise.all(hooks.map((h) => answer(h, repo, c))));
  });

  app.get("/repos/:owner/:repo/hooks/:id", async (c) => {
    const { repo, hook } = await hookOf(c);
    return c.json(await answer(hook, repo, c));
  });

  app.patch("/repos/:owner/:repo/hooks/:id", async (c) => {
    const { repo, hook } = await hookOf(c);
    const body = await bodyOf(c, patchHookBody);
    const { secrets } = sender();
    if (body.config?.url !== undefined) checkUrl(body.config.url);
    let list = body.events ?? hook.events;
    if (body.add_events) list = [...list, ...body.add_events];
    if (body.remove_events) list = list.filter((e) => !body.remove_events?.includes(e));
    const secret = body.config?.secret;
    await store.updateHook(hook.id, {
      url: body.config?.url,
      contentType: body.config?.content_type,
      secretSealed: secret === undefined ? undefined : secret === "" ? null : secrets.seal(secret),
      events: [...new Set(list)],
      active: body.active,
    });
    const updated = (await store.getHook(hook.id)) as RepoHook;
    // GitHub's actions, one for each kind of change.
    const changed = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
    const details = hookDetails(updated);
    if (changed(hook.events, updated.events))
      await ctx.audit.record(c, "hook.events_changed", { repo, details });
    if (hook.active !== updated.active) await ctx.audit.record(c, "hook.active_changed", { repo, details });
    if (hook.url !== updated.url || hook.contentType !== updated.contentType || secret !== undefined)
      await ctx.audit.record(c, "hook.config_changed", {
        repo,
        details: { ...details, secret_changed: secret !== undefined },
      });
    return c.json(await answer(updated, repo, c));
  });

  app.delete("/repos/:owner/:repo/hooks/:id", async (c) => {
    const { repo, hook } = await hookOf(c);
    await store.removeHook(hook.id);
    await ctx.audit.record(c, "hook.destroy", { repo, details: hookDetails(hook) });
    return c.body(null, 204);
  });

  app.post("/repos/:owner/:repo/hooks/:id/pings", async (c) => {
    const { repo, hook } = await hookOf(c);
    await sender().ping(repo.id, hook, hookJson(hook, repo, baseUrl(c)));
    return c.body(null, 204);
  });

  app.get("/repos/:owner/:repo/hooks/:id/deliveries", async (c) => {
    const { repo, hook } = await hookOf(c);
    const { per_page } = queryOf(c, deliveriesQuery);
    const list = await store.listHookDeliveries(hook.id, per_page);
    return c.json(list.map((d) => deliveryJson(d, repo, false)));
  });

  app.get("/repos/:owner/:repo/hooks/:id/deliveries/:delivery", async (c) => {
    const { repo, hook } = await hookOf(c);
    const d = await store.getHookDelivery(hook.id, idParam(c, "delivery"));
    if (!d) throw new HttpError(404, "Not Found: no such delivery");
    return c.json(deliveryJson(d, repo, true));
  });

  return app;
}
