// Every route of a repository checks the caller's role: a table of each route's role, held against
// the routes the app really has (a route missing from it fails here, so no route forgets its check)
// and against openapi.json (each is documented). For each route: an outsider gets the answer a
// repository that does not exist gets (404, same body); one a role below gets 403; one with the
// role gets past the check.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo } from "../../test/harness.js";
import { issuePersonalToken, type Role } from "../identity/index.js";
import { type GantryServer, startServer } from "./index.js";

const ADMIN = "roles-admin-token";

/** The role each route of a repository needs ("METHOD path" as the app registers it). */
const NEEDS: Record<string, Role> = {
  "GET /repos/:owner/:repo": "read",
  "PATCH /repos/:owner/:repo": "maintain",
  "DELETE /repos/:owner/:repo": "admin",
  "GET /repos/:owner/:repo/collaborators": "write",
  "GET /repos/:owner/:repo/collaborators/:login": "write",
  "GET /repos/:owner/:repo/collaborators/:login/permission": "write",
  "PUT /repos/:owner/:repo/collaborators/:login": "admin",
  "DELETE /repos/:owner/:repo/collaborators/:login": "admin",
  "GET /repos/:owner/:repo/actions/runs": "read",
  "GET /repos/:owner/:repo/actions/runs/:id": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/attempts/:attempt": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/jobs": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/attempts/:attempt/jobs": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/report": "read",
  "POST /repos/:owner/:repo/actions/runs/:id/cancel": "write",
  "POST /repos/:owner/:repo/actions/runs/:id/rerun": "write",
  "POST /repos/:owner/:repo/actions/runs/:id/rerun-failed-jobs": "write",
  "POST /repos/:owner/:repo/actions/runs/:id/approve": "write",
  "GET /repos/:owner/:repo/commits/:ref/status": "read",
  "GET /repos/:owner/:repo/actions/jobs/:id": "read",
  "POST /repos/:owner/:repo/actions/jobs/:id/rerun": "write",
  "GET /repos/:owner/:repo/actions/jobs/:id/logs": "read",
  "POST /repos/:owner/:repo/actions/workflows/:file/dispatches": "write",
  "POST /repos/:owner/:repo/dispatches": "write",
  "GET /repos/:owner/:repo/pulls": "read",
  "POST /repos/:owner/:repo/pulls": "write",
  "GET /repos/:owner/:repo/pulls/:number": "read",
  "PATCH /repos/:owner/:repo/pulls/:number": "write",
  "GET /repos/:owner/:repo/actions/workflows": "read",
  "GET /repos/:owner/:repo/actions/workflows/:file": "read",
  "GET /repos/:owner/:repo/branches": "read",
  "GET /repos/:owner/:repo/tags": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/graph": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/annotations": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/summaries": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/artifacts": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/artifacts/:name/zip": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/logs": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/attempts/:attempt/logs": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/workflow-file": "read",
  "POST /repos/:owner/:repo/hooks": "admin",
  "GET /repos/:owner/:repo/hooks": "admin",
  "GET /repos/:owner/:repo/hooks/:id": "admin",
  "PATCH /repos/:owner/:repo/hooks/:id": "admin",
  "DELETE /repos/:owner/:repo/hooks/:id": "admin",
  "POST /repos/:owner/:repo/hooks/:id/pings": "admin",
  "GET /repos/:owner/:repo/hooks/:id/deliveries": "admin",
  "GET /repos/:owner/:repo/hooks/:id/deliveries/:delivery": "admin",
  // Secrets and variables (src/secrets): a repository admin's.
  "GET /repos/:owner/:repo/actions/secrets/public-key": "admin",
  "GET /repos/:owner/:repo/actions/secrets": "admin",
  "GET /repos/:owner/:repo/actions/secrets/:name": "admin",
  "PUT /repos/:owner/:repo/actions/secrets/:name": "admin",
  "DELETE /repos/:owner/:repo/actions/secrets/:name": "admin",
  "GET /repos/:owner/:repo/actions/variables": "admin",
  "POST /repos/:owner/:repo/actions/variables": "admin",
  "GET /repos/:owner/:repo/actions/variables/:name": "admin",
  "PATCH /repos/:owner/:repo/actions/variables/:name": "admin",
  "DELETE /repos/:owner/:repo/actions/variables/:name": "admin",
  "GET /repos/:owner/:repo/environments/:environment/secrets/public-key": "admin",
  "GET /repos/:owner/:repo/environments/:environment/secrets": "admin",
  "GET /repos/:owner/:repo/environments/:environment/secrets/:name": "admin",
  "PUT /repos/:owner/:repo/environments/:environment/secrets/:name": "admin",
  "DELETE /repos/:owner/:repo/environments/:environment/secrets/:name": "admin",
  "GET /repos/:owner/:repo/environments/:environment/variables": "admin",
  "POST /repos/:owner/:repo/environments/:environment/variables": "admin",
  "GET /repos/:owner/:repo/environments/:environment/variables/:name": "admin",
  "PATCH /repos/:owner/:repo/environments/:environment/variables/:name": "admin",
  "DELETE /repos/:owner/:repo/environments/:environment/variables/:name": "admin",
  "GET /repos/:owner/:repo/environments": "read",
  "GET /repos/:owner/:repo/environments/:name": "read",
  "GET /repos/:owner/:repo/environments/:name/evidence": "read",
  "GET /repos/:owner/:repo/environments/:name/metrics": "read",
  "PUT /repos/:owner/:repo/environments/:name": "admin",
  "DELETE /repos/:owner/:repo/environments/:name": "admin",
  "GET /repos/:owner/:repo/environments/:name/deployment-branch-policies": "read",
  "POST /repos/:owner/:repo/environments/:name/deployment-branch-policies": "admin",
  "GET /repos/:owner/:repo/environments/:name/deployment-branch-policies/:policy_id": "read",
  "PUT /repos/:owner/:repo/environments/:name/deployment-branch-policies/:policy_id": "admin",
  "DELETE /repos/:owner/:repo/environments/:name/deployment-branch-policies/:policy_id": "admin",
  // Reviews of pending deployments: a reader who is a required reviewer decides (environment-gate.ts).
  "GET /repos/:owner/:repo/actions/runs/:id/pending_deployments": "read",
  "POST /repos/:owner/:repo/actions/runs/:id/pending_deployments": "read",
  "GET /repos/:owner/:repo/actions/runs/:id/approvals": "read",
  // Deployments: readers read them, writers (external deploy tools) create and delete them.
  "GET /repos/:owner/:repo/deployments": "read",
  "POST /repos/:owner/:repo/deployments": "write",
  "GET /repos/:owner/:repo/deployments/:deployment_id": "read",
  "DELETE /repos/:owner/:repo/deployments/:deployment_id": "write",
  "GET /repos/:owner/:repo/deployments/:deployment_id/statuses": "read",
  "POST /repos/:owner/:repo/deployments/:deployment_id/statuses": "write",
  "GET /repos/:owner/:repo/deployments/:deployment_id/statuses/:status_id": "read",
  // Self-hosted runners (routes/runners.ts): a repository admin's, as on GitHub.
  "POST /repos/:owner/:repo/actions/runners/registration-token": "admin",
  "GET /repos/:owner/:repo/actions/runners": "admin",
  "GET /repos/:owner/:repo/actions/runners/:runner_id": "admin",
  "DELETE /repos/:owner/:repo/actions/runners/:runner_id": "admin",
};

/** The role just below each (who must be refused with 403). */
const BELOW: Partial<Record<Role, Role>> = { write: "triage", maintain: "write", admin: "maintain" };

const CI = `on: [push, workflow_dispatch]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

let s: GantryServer;
/** Each role's token, and an outsider's (a user with no role on acme/app). */
const tokens: Partial<Record<Role | "outsider", string>> = {};

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await s.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** The route's path with each parameter filled in (ids that name nothing; a login of a real user). */
function fill(path: string, repo = "acme/app"): string {
  return `/api/v1${path
    .replace("/repos/:owner/:repo", `/repos/${repo}`)
    .replace(":login", "target")
    .replace(":file", "ci.yml")
    .replace(":ref", "main")
    .replace(":name", "dist")
    .replace(/:[a-z]+/g, "999999")}`;
}

/** The app's routes under /api/v1/repos/:owner/:repo, as "METHOD path" (path without /api/v1). */
function repoRoutes(): string[] {
  const seen = new Set<string>();
  for (const r of s.app.routes) {
    if (r.method === "ALL" || !r.path.startsWith("/api/v1/repos/:owner/:repo")) continue;
    seen.add(`${r.method} ${r.path.slice("/api/v1".length)}`);
  }
  return [...seen];
}

beforeAll(async () => {
  s = await startServer({
    dataDir: mkdtempSync(join(tmpdir(), "gantry-roles-")),
    listen: false,
    triggers: false,
    adminToken: ADMIN,
    config: { repo_url_schemes: ["file"] },
  });
  const dir = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
  const added = await call(ADMIN, "POST", "/api/v1/repos", { owner: "acme", name: "app", url: dir });
  expect(added.status).toBe(201);
  for (const who of ["read", "triage", "write", "maintain", "admin", "outsider", "target"] as const) {
    const user = await s.store.addUser({ login: who === "target" ? "target" : `user-${who}` });
    if (who === "target") continue;
    tokens[who] = (await issuePersonalToken(s.store, user, { note: "test", scopes: ["repo"] })).value;
    if (who === "outsider") continue;
    const put = await call(ADMIN, "PUT", `/api/v1/repos/acme/app/collaborators/user-${who}`, {
      permission: who,
    });
    expect(put.status).toBe(201);
  }
});

afterAll(async () => {
  await s?.whenIdle();
  await s?.close();
});

describe("every route of a repository checks the caller's role", () => {
  it("has each of the app's repository routes in the table, and each in openapi.json", async () => {
    const routes = repoRoutes();
    expect(routes.filter((r) => !(r in NEEDS))).toEqual([]);
    expect(Object.keys(NEEDS).filter((r) => !routes.includes(r))).toEqual([]);
    const doc = JSON.parse((await call(ADMIN, "GET", "/api/v1/openapi.json")).text) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const shape = (p: string) => p.replace(/[:{][a-z_]+\}?/g, "{}");
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${shape(p)}`),
      ),
    );
    const undocumented = routes.filter((r) => {
      const [method, path] = r.split(" ");
      return !documented.has(`${method} ${shape(path)}`);
    });
    expect(undocumented).toEqual([]);
  });

  it("answers an outsider 404 on every route, as for a repository that does not exist", async () => {
    const outsider = tokens.outsider as string;
    for (const route of repoRoutes()) {
      const [method, path] = route.split(" ");
      const body = ["POST", "PUT", "PATCH"].includes(method) ? {} : undefined;
      const hidden = await call(outsider, method, fill(path), body);
      const missing = await call(outsider, method, fill(path, "acme/nope"), body);
      expect({ route, ...hidden }).toEqual({ route, ...missing });
      expect({ route, status: hidden.status }).toEqual({ route, status: 404 });
    }
  });

  it("refuses the role below with 403 and lets the route's role past the check", async () => {
    // Removing the repository comes last (it goes through).
    const routes = repoRoutes().sort((a) => (a === "DELETE /repos/:owner/:repo" ? 1 : -1));
    for (const route of routes) {
      const [method, path] = route.split(" ");
      const need = NEEDS[route];
      if (!need) throw new Error(`${route} is not in NEEDS: add the role it needs`);
      const body = ["POST", "PUT", "PATCH"].includes(method) ? {} : undefined;
      const below = BELOW[need];
      if (below) {
        const refused = await call(tokens[below] as string, method, fill(path), body);
        expect({ route, ...refused }).toEqual({
          route,
          status: 403,
          text: JSON.stringify({ message: `Must have ${need} rights to Repository.` }),
        });
      }
      const allowed = await call(tokens[need] as string, method, fill(path), body);
      expect({ route, status: allowed.status }).not.toEqual({ route, status: 403 });
      expect({ route, text: allowed.text }).not.toEqual({
        route,
        text: JSON.stringify({ message: "Not Found: no such repository on this server" }),
      });
    }
  });
});
