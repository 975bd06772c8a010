// POST /hooks/git (gantry's post-receive hook) and /hooks/github, /hooks/gitea, /hooks/gitlab
// (forge webhooks). A delivery is checked and read here (401 bad signature or token, 400 malformed,
// 404 a repository the server does not have, 413 over the size limit, 429 after too many failures
// from one address, each logged); what it starts happens after the answer (202), so a push or a
// forge never waits for fetches and runs. Nothing is read before it can be authenticated: the
// hook's and GitLab's tokens are checked first, a GitHub or Gitea signature must be there and is
// computed while the body streams in (under the limit). A forge delivery whose id was accepted
// before is a replay: 200, nothing started (webhook-deliveries.ts).
import { createHmac } from "node:crypto";
import type { Context } from "hono";
import { Hono } from "hono";
import { decideRepoAccess, type Principal, resolvePrincipal } from "../../identity/index.js";
import type { Store } from "../../store/index.js";
import {
  FORGES,
  type Forge,
  type ForgeEvent,
  PayloadError,
  parseHookNotification,
  readWebhook,
  SignatureError,
  secretsEqual,
} from "../../triggers/index.js";
import { type AuthThrottle, clientAddress, throttled } from "../auth-throttle.js";
import type { HooksConfig } from "../hooks-config.js";
import { HttpError } from "../http-error.js";
import { jsonDepthProblem, readBody } from "../request-limits.js";
import type { TriggerService } from "../trigger-service.js";
import { refProblem } from "../validate.js";
import { DeliveryLog, deliveryId } from "../webhook-deliveries.js";

export interface HookRoutesDeps {
  store: Store;
  triggers: TriggerService;
  secrets: HooksConfig;
  log(message: string): void;
  /** The delivery ids accepted before; by default kept in the store. */
  deliveries?: DeliveryLog;
  /** Failed authentications per client address, shared with the API (auth-throttle.ts). */
  throttle?: AuthThrottle;
}

/** The header a forge's proof of the secret comes in: the signature (HMAC of the body) or GitLab's token. */
function proofOf(forge: Forge, headers: Headers): string | undefined {
  const names =
    forge === "github"
      ? ["x-hub-signature-256"]
      : forge === "gitlab"
        ? ["x-gitlab-token"]
        : ["x-forgejo-signature", "x-gitea-signature", "x-hub-signature-256"];
  for (const name of names) {
    const value = headers.get(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * Why an event's shas and refs cannot be given to git (they reach rev-parse, rev-list, diff and
 * merge-tree in the server's clone), or undefined: commits must be object ids, refs valid ref names.
 */
function gitInputProblem(event: ForgeEvent): string | undefined {
  const pr = event.payload.pull_request;
  const side = (name: "head" | "base") => {
    const value = pr && typeof pr === "object" && !Array.isArray(pr) ? pr[name] : undefined;
    return value && typeof value === "object" && !Array.isArray(value) ? value.sha : undefined;
  };
  const shas: Array<[string, unknown]> = [
    ["sha", event.sha],
    ["before", event.payload.before],
    ["after", event.payload.after],
    ["pull_request.head.sha", side("head")],
    ["pull_request.base.sha", side("base")],
  ];
  for (const [what, sha] of shas) {
    if (typeof sha === "string" && sha !== "" && !OBJECT_ID.test(sha))
      return `payload's ${what} '${sha.slice(0, 80)}' is not a commit id`;
  }
  for (const [what, ref] of [
    ["ref", event.ref],
    ["head ref", event.headRef],
    ["base ref", event.baseRef],
  ] as const) {
    const problem = ref ? refProblem(ref) : undefined;
    if (problem) return `payload's ${what} '${ref.slice(0, 80)}': ${problem}`;
  }
  return undefined;
}

const MISSING: Record<Forge, string> = {
  github: "missing X-Hub-Signature-256",
  gitea: "missing X-Gitea-Signature (or X-Forgejo-Signature)",
  gitlab: "missing X-Gitlab-Token",
};

const SECRET_OF: Record<Forge, keyof HooksConfig> = {
  github: "github_secret",
  gitea: "gitea_secret",
  gitlab: "gitlab_token",
};

export function hookRoutes(deps: HookRoutesDeps): Hono {
  const app = new Hono();
  const deliveries = deps.deliveries ?? new DeliveryLog(deps.store);
  const refuse = (c: Context, status: 400 | 401 | 403 | 404 | 413, message: string) => {
    deps.log(`${c.req.method} ${c.req.path}: ${status} ${message}`);
    // A failed authentication counts against the client's address (429 after too many).
    if (status === 401) deps.throttle?.fail(clientAddress(c));
    return c.json({ message }, status);
  };
  /** 429 when the client's address failed too often lately: nothing of the request is looked at. */
  const blocked = (c: Context) => {
    const wait = deps.throttle?.blockedFor(clientAddress(c));
    if (wait === undefined) return undefined;
    deps.log(`${c.req.method} ${c.req.path}: 429 too many failed authentications from ${clientAddress(c)}`);
    return throttled(c, wait);
  };
  /** The body under the hooks' limit (413 past it), each piece also given to `onChunk`. */
  const body = async (c: Context, onChunk?: (chunk: Uint8Array) => void) => {
    try {
      return { text: (await readBody(c, { onChunk })).toString("utf8") };
    } catch (err) {
      if (err instanceof HttpError && (err.status === 413 || err.status === 400))
        return { refused: refuse(c, err.status, err.message) };
      throw err;
    }
  };
  const later = (what: string, work: Promise<unknown>) => {
    work.catch((err) => deps.log(`${what}: ${(err as Error).message}`));
  };

  app.post("/hooks/git", async (c) => {
    const wait = blocked(c);
    if (wait) return wait;
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    const token = m?.[1];
    // The config's git_token stands for the server itself; without one, a person's token (or a job's)
    // is taken, and it must write to each repository it tells of a push.
    let principal: Principal | undefined;
    if (token && !deps.secrets.git_token) principal = await resolvePrincipal(deps.store, token);
    const ok = token
      ? deps.secrets.git_token
        ? secretsEqual(token, deps.secrets.git_token)
        : principal !== undefined
      : false;
    if (!ok)
      return refuse(
        c,
        401,
        token
          ? "Bad credentials: the hook's token is not this server's"
          : "Bad credentials: send Authorization: Bearer <token>",
      );
    const read = await body(c);
    if (read.refused) return read.refused;
    let notification: ReturnType<typeof parseHookNotification>;
    try {
      const deep = jsonDepthProblem(read.text);
      if (deep) throw new PayloadError(`body is not a notification: ${deep}`);
      notification = parseHookNotification(JSON.parse(read.text));
    } catch (err) {
      const message =
        err instanceof PayloadError ? err.message : `body is not JSON: ${(err as Error).message}`;
      return refuse(c, 400, message);
    }
    // By path, every repository registered with that URL hears of the push (each has its own runs).
    let repos = await deps.triggers.findHookRepos(notification);
    // Those the token's owner may not read are, for it, not there (as the API answers, 404).
    const denied: string[] = [];
    if (principal) {
      const who = principal;
      const decisions = await Promise.all(
        repos.map((r) => decideRepoAccess(deps.store, who, r, { role: "write", permission: "contents" })),
      );
      denied.push(
        ...repos.filter((_, i) => decisions[i].decision === "forbidden").map((r) => `${r.owner}/${r.name}`),
      );
      repos = repos.filter((_, i) => decisions[i].decision === "allowed");
    }
    if (denied.length > 0)
      return refuse(
        c,
        403,
        `Must have write rights to Repository: ${denied.join(", ")} (nothing was started)`,
      );
    if (repos.length === 0) {
      const which = notification.repository.full_name ?? notification.repository.path;
      return refuse(c, 404, `no repository ${which} on this server`);
    }
    for (const repo of repos) {
      later(`hook ${repo.owner}/${repo.name}`, deps.triggers.receiveHook(repo, notification));
    }
    const names = repos.map((r) => `${r.owner}/${r.name}`);
    return c.json(
      {
        message: "accepted",
        repository: names[0],
        repositories: names,
        updates: notification.updates.length,
      },
      202,
    );
  });

  app.post("/hooks/:forge", async (c) => {
    const forge = c.req.param("forge") as Forge;
    if (!FORGES.includes(forge)) return c.json({ message: "Not Found" }, 404);
    const wait = blocked(c);
    if (wait) return wait;
    // Before a byte of the body: a secret to check against, and the delivery's proof of it (GitLab's
    // token is the secret itself, so it is checked here too).
    const secret = deps.secrets[SECRET_OF[forge]];
    if (!secret)
      return refuse(c, 401, `no webhook secret is configured for ${forge}: every delivery is refused`);
    const proof = proofOf(forge, c.req.raw.headers);
    if (proof === undefined) return refuse(c, 401, MISSING[forge]);
    if (forge === "gitlab" && !secretsEqual(proof, secret))
      return refuse(c, 401, "X-Gitlab-Token does not match the secret");
    // GitHub's and Gitea's HMAC of the body, computed as it streams in.
    const mac = createHmac("sha256", secret);
    const read = await body(c, (chunk) => mac.update(chunk));
    if (read.refused) return read.refused;
    const digest = mac.digest("hex");
    if (forge !== "gitlab") {
      const given = proof.toLowerCase();
      const ok =
        forge === "github"
          ? secretsEqual(given, `sha256=${digest}`)
          : secretsEqual(given.replace(/^sha256=/, ""), digest);
      if (!ok)
        return refuse(
          c,
          401,
          forge === "github"
            ? "X-Hub-Signature-256 does not match the body"
            : "X-Gitea-Signature does not match the body",
        );
    }
    const deep = jsonDepthProblem(
      (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")
        ? (new URLSearchParams(read.text).get("payload") ?? "")
        : read.text,
    );
    if (deep) return refuse(c, 400, `body is not a webhook payload: ${deep}`);
    let events: ReturnType<typeof readWebhook>;
    let delivery: string | undefined;
    try {
      events = readWebhook(forge, c.req.raw.headers, read.text, secret);
      delivery = deliveryId(forge, c.req.raw.headers);
    } catch (err) {
      if (err instanceof SignatureError) return refuse(c, 401, err.message);
      if (err instanceof PayloadError) return refuse(c, 400, err.message);
      throw err;
    }
    const unfit = events.map(gitInputProblem).find((p) => p !== undefined);
    if (unfit) return refuse(c, 400, unfit);
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
