// POST /hooks/git (gantry's post-receive hook) and /hooks/github, /hooks/gitea, /hooks/gitlab
// (forge webhooks). A delivery is checked and read here (401 bad signature or token, 400 malformed,
// 404 a repository the server does not have, each logged); what it starts happens after the answer
// (202), so a push or a forge never waits for fetches and runs. A forge delivery whose id was
// accepted before is a replay: 200, nothing started (webhook-deliveries.ts).
import type { Context } from "hono";
import { Hono } from "hono";
import type { Store } from "../../store/index.js";
import {
  FORGES,
  type Forge,
  PayloadError,
  parseHookNotification,
  readWebhook,
  SignatureError,
  secretsEqual,
} from "../../triggers/index.js";
import { hashToken } from "../auth.js";
import type { HooksConfig } from "../hooks-config.js";
import type { TriggerService } from "../trigger-service.js";
import { DeliveryLog, deliveryId } from "../webhook-deliveries.js";

export interface HookRoutesDeps {
  store: Store;
  triggers: TriggerService;
  secrets: HooksConfig;
  log(message: string): void;
  /** The delivery ids accepted before; by default kept in the store. */
  deliveries?: DeliveryLog;
}

const SECRET_OF: Record<Forge, keyof HooksConfig> = {
  github: "github_secret",
  gitea: "gitea_secret",
  gitlab: "gitlab_token",
};

export function hookRoutes(deps: HookRoutesDeps): Hono {
  const app = new Hono();
  const deliveries = deps.deliveries ?? new DeliveryLog(deps.store);
  const refuse = (c: Context, status: 400 | 401 | 404, message: string) => {
    deps.log(`${c.req.method} ${c.req.path}: ${status} ${message}`);
    return c.json({ message }, status);
  };
  const later = (what: string, work: Promise<unknown>) => {
    work.catch((err) => deps.log(`${what}: ${(err as Error).message}`));
  };

  app.post("/hooks/git", async (c) => {
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    const token = m?.[1];
    const ok = token
      ? deps.secrets.git_token
        ? secretsEqual(token, deps.secrets.git_token)
        : (await deps.store.findToken(hashToken(token))) !== undefined
      : false;
    if (!ok)
      return refuse(
        c,
        401,
        token
          ? "Bad credentials: the hook's token is not this server's"
          : "Bad credentials: send Authorization: Bearer <token>",
      );
    let notification: ReturnType<typeof parseHookNotification>;
    try {
      notification = parseHookNotification(JSON.parse(await c.req.text()));
    } catch (err) {
      const message =
        err instanceof PayloadError ? err.message : `body is not JSON: ${(err as Error).message}`;
      return refuse(c, 400, message);
    }
    const repo = await deps.triggers.findHookRepo(notification);
    if (!repo) {
      const which = notification.repository.full_name ?? notification.repository.path;
      return refuse(c, 404, `no repository ${which} on this server`);
    }
    later(`hook ${repo.owner}/${repo.name}`, deps.triggers.receiveHook(repo, notification));
    return c.json(
      { message: "accepted", repository: `${repo.owner}/${repo.name}`, updates: notification.updates.length },
      202,
    );
  });

  app.post("/hooks/:forge", async (c) => {
    const forge = c.req.param("forge") as Forge;
    if (!FORGES.includes(forge)) return c.json({ message: "Not Found" }, 404);
    const body = await c.req.text();
    let events: ReturnType<typeof readWebhook>;
    let delivery: string | undefined;
    try {
      events = readWebhook(forge, c.req.raw.headers, body, deps.secrets[SECRET_OF[forge]]);
      delivery = deliveryId(forge, c.req.raw.headers);
    } catch (err) {
      if (err instanceof SignatureError) return refuse(c, 401, err.message);
      if (err instanceof PayloadError) return refuse(c, 400, err.message);
      throw err;
    }
    if (events.length === 0) return c.json({ message: "ignored: gantry does not act on this event" }, 202);
    const repo = await deps.triggers.findForgeRepo(events[0].repository);
    if (!repo) return refuse(c, 404, `no repository ${events[0].repository} on this server`);
    if (delivery !== undefined && !(await deliveries.remember(forge, delivery))) {
      deps.log(`${c.req.method} ${c.req.path}: 200 delivery ${delivery} is a replay: nothing started`);
      const message = `replay: delivery ${delivery} was received before; nothing started`;
      return c.json({ message, delivery, replay: true }, 200);
    }
    later(`${forge} ${repo.owner}/${repo.name}`, deps.triggers.receiveWebhook(repo, events));
    return c.json(
      {
        message: "accepted",
        events: events.map((e) => `${e.name}${e.payload.action ? `.${e.payload.action}` : ""}`),
      },
      202,
    );
  });
  return app;
}
