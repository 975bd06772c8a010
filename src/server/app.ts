import { Hono } from "hono";
import { bearerAuth } from "./auth.js";
import { HttpError, type ServerContext } from "./context.js";
import { openApiDocument } from "./openapi.js";
import { dispatchRoutes } from "./routes/dispatch.js";
import { eventRoutes } from "./routes/events.js";
import { jobRoutes } from "./routes/jobs.js";
import { pullRoutes } from "./routes/pulls.js";
import { repoRoutes } from "./routes/repos.js";
import { repositoryDispatchRoutes } from "./routes/repository-dispatch.js";
import { runDetailRoutes } from "./routes/run-details.js";
import { runGraphRoutes } from "./routes/run-graph.js";
import { runRoutes } from "./routes/runs.js";
import { webRoutes } from "./routes/web.js";
import { workflowRoutes } from "./routes/workflows.js";

/** The HTTP app: web Request in, Response out; the Node adapter sits at the edge (start-server.ts). */
export function createApp(ctx: ServerContext): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof HttpError) {
      return c.json({ message: err.message, ...(err.errors ? { errors: err.errors } : {}) }, err.status);
    }
    process.stderr.write(`gantry serve: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}\n`);
    return c.json({ message: `Internal error: ${err.message}` }, 500);
  });
  app.notFound((c) => c.json({ message: "Not Found" }, 404));
  const document = openApiDocument();
  app.get("/api/v1/openapi.json", (c) => c.json(document));
  const api = new Hono();
  api.use("*", bearerAuth(ctx.store));
  api.route("/", repoRoutes(ctx));
  api.route("/", runRoutes(ctx));
  api.route("/", jobRoutes(ctx));
  api.route("/", dispatchRoutes(ctx));
  api.route("/", repositoryDispatchRoutes(ctx));
  api.route("/", eventRoutes(ctx));
  api.route("/", pullRoutes(ctx));
  api.route("/", workflowRoutes(ctx));
  api.route("/", runGraphRoutes(ctx));
  api.route("/", runDetailRoutes(ctx));
  app.route("/api/v1", api);
  // The web UI at / (GET only: the hooks' POST routes are added beside it).
  if (ctx.webDir) app.route("/", webRoutes(ctx.webDir));
  return app;
}
