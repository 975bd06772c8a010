// An open event stream asks again what its caller may read: once a reader's role on a repository
// is taken away its events stop (another repository's go on), and once its token is revoked the
// stream ends, as its next request would get 401.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRepo } from "../../test/harness.js";
import { issuePersonalToken } from "../identity/index.js";
import { type GantryServer, startServer } from "./index.js";

const ADMIN = "stream-admin-token";
let server: GantryServer | undefined;

afterEach(async () => {
  await server?.whenIdle();
  await server?.close();
  server = undefined;
});

const CI = `on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

/** The server-sent events of a response, one at a time (undefined: the stream ended). */
function events(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return async (): Promise<{ event: string; data: string } | undefined> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (data !== undefined) return { event: /^event: ?(.*)$/m.exec(block)?.[1] ?? "message", data };
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describe("an open event stream", () => {
  it("stops a repository's events once the role is taken, and ends once the token is revoked", async () => {
    const s = await startServer({
      dataDir: mkdtempSync(join(tmpdir(), "gantry-stream-")),
      listen: false,
      triggers: false,
      adminToken: ADMIN,
      config: { repo_url_schemes: ["file"] },
    });
    server = s;
    const call = (method: string, path: string, body?: unknown) =>
      s.app.request(`/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const runOf: Record<string, number> = {};
    const user = await s.store.addUser({ login: "reader" });
    const { token, value } = await issuePersonalToken(s.store, user, { note: "t", scopes: ["repo"] });
    for (const name of ["app", "other"]) {
      const dir = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
      expect((await call("POST", "/repos", { owner: "acme", name, url: dir })).status).toBe(201);
      expect(
        (await call("PUT", `/repos/acme/${name}/collaborators/reader`, { permission: "read" })).status,
      ).toBe(201);
      const res = await call("POST", `/repos/acme/${name}/actions/workflows/ci.yml/dispatches`, {
        ref: "main",
        return_run_details: true,
      });
      runOf[name] = ((await res.json()) as { workflow_run_id: number }).workflow_run_id;
    }
    await s.whenIdle();

    const res = await s.app.request("/api/v1/events?logs=0", {
      headers: { authorization: `Bearer ${value}` },
    });
    expect(res.status).toBe(200);
    const next = events(res);
    let n = 0;
    /** Publishes a marker of each repository's run; the markers the stream sends until `other`'s. */
    const round = async () => {
      // A pause between rounds lets the clock (and the test's timeout) move.
      await new Promise((r) => setTimeout(r, 20));
      n += 1;
      for (const name of ["app", "other"])
        s.context.hub.publish({ type: "marker", runId: runOf[name], n, name });
      const got: string[] = [];
      for (;;) {
        const e = await next();
        if (!e) return undefined;
        const data = JSON.parse(e.data) as { n: number; name: string };
        if (e.event !== "marker" || data.n !== n) continue;
        got.push(data.name);
        if (data.name === "other") return got;
      }
    };
    expect(await round()).toEqual(["app", "other"]);

    // The role on acme/app taken away: its markers stop, acme/other's go on.
    expect((await call("DELETE", "/repos/acme/app/collaborators/reader")).status).toBe(204);
    let got = await round();
    while (got?.includes("app")) got = await round();
    expect(got).toEqual(["other"]);
    expect(await round()).toEqual(["other"]);

    // The token revoked: the stream ends.
    await s.store.revokeToken(token.id, new Date().toISOString());
    while ((got = await round()) !== undefined) expect(got).toEqual(["other"]);
  }, 60_000);
});
