import { Hono } from "hono";
import { SERVICES_PATH } from "../runner/index.js";
import { bearerAuth } from "./auth.js";
import { AuthThrottle } from "./auth-throttle.js";
import { HttpError, type ServerContext } from "./context.js";
import { openApiDocument } from "./openapi.js";
import { DEFAULT_LIMITS, limitBodies } from "./request-limits.js";
import { auditLogRoutes } from "./routes/audit-log.js";
import { badgeRoutes } from "./routes/badge.js";
import { collaboratorRoutes } from "./routes/collaborators.js";
import { deploymentReviewRoutes } from "./routes/deployment-reviews.js";
import { deploymentRoutes } from "./routes/deployments.js";
import { dispatchRoutes } from "./routes/dispatch.js";
import { environmentRoutes } from "./routes/environments.js";
import { eventRoutes } from "./routes/events.js";
import { evidenceRoutes } from "./routes/evidence.js";
import { jobRoutes } from "./routes/jobs.js";
import { metricsRoutes } from "./routes/metrics.js";
import { oidcRoutes } from "./routes/oidc.js";
import { pullRoutes } from "./routes/pulls.js";
import { refRoutes } from "./routes/refs.js";
import { repoHookRoutes } from "./routes/repo-hooks.js";
import { repoRoutes } from "./routes/repos.js";
import { repositoryDispatchRoutes } from "./routes/repository-dispatch.js";
import { runDetailRoutes } from "./routes/run-details.js";
import { runGraphRoutes } from "./routes/run-graph.js";
import { runLogRoutes } from "./routes/run-logs.js";
import { runnerProtocolRoutes } from "./routes/runner-protocol.js";
import { runnerRoutes } from "./routes/runners.js";
import { runRoutes } from "./routes/runs.js";
import { secretRoutes } from "./routes/secrets.js";
import { tokenRoutes } from "./routes/tokens.js";
import { userRoutes } from "./routes/users.js";
import { webRoutes } from "./routes/web.js";
import { workflowRoutes } from "./routes/workflows.js";

/** `req` with SERVICES_PATH taken off its path: the services' routes start at their root. */
function servicesRequest(req: Request): Request {
  const url = new URL(req.url);
  url.pathname = url.pathname.slice(SERVICES_PATH.length) || "/";
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  // duplex: a streamed body (undici's RequestInit has it; the DOM's type does not yet).
  const init = {
    method: req.method,
    headers: req.headers,
    signal: req.signal,
    duplex: "half",
  } as RequestInit;
  return new Request(url, hasBody ? { ...init, body: req.body } : init);
}

/** The HTTP app: web Request in, Response out; the Node adapter sits at the edge (start-server.ts). */
export function createApp(ctx: ServerContext): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof HttpError) {
      for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
      return c.json({ message: err.message, ...(err.errors ? { errors: err.errors } : {}) }, err.status);
    }
    // decodeURIComponent of a path or query a route reads (`%`, `%ff`): the client's mistake.
    if (err instanceof URIError) {
      return c.json({ message: `Bad Request: malformed percent-encoding in the URL (${err.message})` }, 400);
    }
    process.stderr.write(`gantry serve: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}\n`);
    return c.json({ message: `Internal error: ${err.message}` }, 500);
  });
  app.notFound((c) => c.json({ message: "Not Found" }, 404));
  // A refusal before the body was read (401, 413, 429 …) closes the connection: the adapter then
  // reads no more of what the client is still sending.
  app.use("*", async (c, next) => {
    await next();
    const req = c.req.raw;
    const hasBody =
      req.headers.has("transfer-encoding") || Number(req.headers.get("content-length") ?? 0) > 0;
    // 413: the rest of the body, read or not, is not wanted either.
    if (c.res.status === 413 || (hasBody && c.res.status >= 400 && !req.bodyUsed))
      c.res.headers.set("connection", "close");
  });
  // A path that is not valid percent-encoding answers 400 before any route decodes it.
  app.use("*", async (c, next) => {
    try {
      decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.json({ message: "Bad Request: malformed percent-encoding in the URL's path" }, 400);
    }
    await next();
  });
  const limits = ctx.config.limits ?? DEFAULT_LIMITS;
  // Each route's body cap: the hooks' (added by start-server.ts) GitHub's 25 MiB, the API's 1 MiB,
  // nothing else reads a body.
  app.use("/hooks/*", limitBodies(limits.webhook_body_bytes));
  // The Actions services (cache archives, artifacts) cap their own bodies: an entry's or an
  // artifact's limit for uploads, MAX_JSON_BODY for calls; none is read before its token or signature.
  if (ctx.actionsServices) {
    const services = ctx.actionsServices;
    app.use(`${SERVICES_PATH}/*`, limitBodies(Number.MAX_SAFE_INTEGER));
    app.all(`${SERVICES_PATH}/*`, (c) => services(servicesRequest(c.req.raw)));
  }
  app.use("*", limitBodies(limits.api_body_bytes));
  const document = openApiDocument();
  app.get("/api/v1/openapi.json", (c) => c.json(document));
  const api = new Hono();
  ctx.throttle ??= new AuthThrottle({ limit: limits.auth_failures_per_minute });
  api.use("*", bearerAuth(ctx.store, ctx.throttle));
  api.route("/", repoRoutes(ctx));
  api.route("/", runRoutes(ctx));
  api.route("/", jobRoutes(ctx));
  api.route("/", dispatchRoutes(ctx));
  api.route("/", repositoryDispatchRoutes(ctx));
  api.route("/", eventRoutes(ctx));
  api.route("/", pullRoutes(ctx));
  api.route("/", workflowRoutes(ctx));
  api.route("/", refRoutes(ctx));
  api.route("/", runGraphRoutes(ctx));
  api.route("/", runDetailRoutes(ctx));
  api.route("/", runLogRoutes(ctx));
  api.route("/", repoHookRoutes(ctx));
  api.route("/", secretRoutes(ctx));
  api.route("/", environmentRoutes(ctx));
  api.route("/", deploymentReviewRoutes(ctx));
  api.route("/", deploymentRoutes(ctx));
  api.route("/", evidenceRoutes(ctx));
  api.route("/", metricsRoutes(ctx));
  api.route("/", userRoutes(ctx));
  api.route("/", tokenRoutes(ctx));
  api.route("/", collaboratorRoutes(ctx));
  api.route("/", auditLogRoutes(ctx));
  api.route("/", runnerRoutes(ctx));
  app.route("/api/v1", api);
  // Runner machines (`gantry runner`): registration, claims, reports, the jobs' sources and actions.
  if (ctx.actionStore) {
    app.route(
      "/",
      runnerProtocolRoutes({
        store: ctx.store,
        remote: ctx.remote,
        clones: ctx.clones,
        actions: ctx.actionStore,
        audit: ctx.audit,
        throttle: ctx.throttle,
        log: (message) => process.stderr.write(`gantry serve: ${message}\n`),
      }),
    );
  }
  // The OIDC issuer's discovery document and JWKS (public), and the jobs' ID token endpoint.
  app.route("/", oidcRoutes(ctx));
  // Workflow status badges, at GitHub's path beside the UI's (public only when the config says so).
  app.route("/", badgeRoutes(ctx));
  // The web UI at / (GET only: the hooks' POST routes are added beside it).
  if (ctx.webDir) app.route("/", webRoutes(ctx.webDir));
  return app;
}
