import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { git, makeRepo } from "../../test/harness.js";
import { type GantryServer, startServer } from "./index.js";

const TOKEN = "test-token";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

const workflow = (name: string, on: string) => `name: ${name}
on:
${on}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.event.client_payload.who }}"
`;

async function withRepo(): Promise<{ s: GantryServer; dir: string }> {
  const dir = makeRepo({
    files: {
      ".github/workflows/any.yml": workflow("Any", "  repository_dispatch:"),
      ".github/workflows/deploy.yml": workflow("Deploy", "  repository_dispatch:\n    types: [deploy]"),
      ".github/workflows/push.yml": workflow("Push", "  push:"),
    },
  });
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-server-"));
  const s = await startServer({ dataDir, listen: false, adminToken: TOKEN, triggers: false });
  servers.push(s);
  await s.store.addRepo({
    owner: "acme",
    name: "app",
    url: dir,
    defaultBranch: "main",
    pollIntervalSeconds: 0,
  });
  return { s, dir };
}

async function dispatch(s: GantryServer, body: unknown) {
  const res = await s.app.request("/api/v1/repos/acme/app/dispatches", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as { message: string; errors?: string[] }) : null,
  };
}

describe("POST /repos/{owner}/{repo}/dispatches", () => {
  it("answers 422 with the reason for a bad event_type or client_payload, starting nothing", async () => {
    const { s } = await withRepo();
    const cases: Array<[unknown, string]> = [
      [{}, "event_type: event_type is required: a string naming the event (the workflows' `types`)"],
      [{ event_type: "" }, "event_type: event_type must not be empty"],
      [
        { event_type: 7 },
        "event_type: event_type is required: a string naming the event (the workflows' `types`)",
      ],
      [{ event_type: "x".repeat(101) }, "event_type: event_type must be 100 characters or fewer"],
      [{ event_type: "go", client_payload: [1, 2] }, "client_payload: client_payload must be a JSON object"],
      [{ event_type: "go", client_payload: "x" }, "client_payload: client_payload must be a JSON object"],
      [{ event_type: "go", client_payload: null }, "client_payload: client_payload must be a JSON object"],
      [
        {
          event_type: "go",
          client_payload: Object.fromEntries([...Array(11).keys()].map((i) => [`k${i}`, i])),
        },
        "client_payload: client_payload can have at most 10 top-level properties",
      ],
    ];
    for (const [body, reason] of cases) {
      const answer = await dispatch(s, body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.json).toEqual({ message: "Validation Failed", errors: [reason] });
    }
    expect((await dispatch(s, "{not json")).status).toBe(400);
    const repo = await s.store.getRepo("acme", "app");
    expect((await s.store.listRuns({ repoId: repo?.id ?? 0 })).total).toBe(0);
  });

  it("takes 100 characters and 10 properties; starts the workflows whose types take the event", async () => {
    const { s, dir } = await withRepo();
    const payload = Object.fromEntries([...Array(10).keys()].map((i) => [`k${i}`, { n: i }]));
    expect((await dispatch(s, { event_type: "x".repeat(100) })).status).toBe(204);
    expect((await dispatch(s, { event_type: "deploy", client_payload: { ...payload } })).status).toBe(204);
    await s.whenIdle();
    const repo = await s.store.getRepo("acme", "app");
    const { runs } = await s.store.listRuns({ repoId: repo?.id ?? 0 });
    const seen = runs.map((r) => [r.workflowName, (r.github.event as { action: string }).action.slice(0, 6)]);
    expect(seen.sort()).toEqual([
      ["Any", "deploy"],
      ["Any", "xxxxxx"],
      ["Deploy", "deploy"],
    ]);
    const deploy = runs.find((r) => r.workflowName === "Deploy");
    expect(deploy).toMatchObject({
      event: "repository_dispatch",
      ref: "refs/heads/main",
      headBranch: "main",
      headSha: git(dir, "rev-parse", "HEAD"),
      conclusion: "success",
    });
    expect(deploy?.github).toMatchObject({
      event_name: "repository_dispatch",
      ref: "refs/heads/main",
      event: { action: "deploy", branch: "main", client_payload: payload, sender: { login: "admin" } },
    });
  });

  it("answers 404 for a repository the server does not have", async () => {
    const { s } = await withRepo();
    const res = await s.app.request("/api/v1/repos/acme/nope/dispatches", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ event_type: "go" }),
    });
    expect(res.status).toBe(404);
  });
});
