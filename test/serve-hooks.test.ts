// Repository webhooks on a real server: GitHub's POST /repos/{owner}/{repo}/hooks, workflow_run and
// workflow_job deliveries signed with X-Hub-Signature-256 to a receiver on loopback, retried with
// back-off, kept across a restart, and refused towards addresses the config does not allow.
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gantry, makeRepo, scratch } from "./harness.js";
import { api, exited, serve, serveWithConfig, until } from "./serve-harness.js";

const token = "hooks-token";
const secret = "s3cret-hook-value";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

const receivers: Array<{ close: () => void }> = [];
afterEach(() => {
  for (const r of receivers.splice(0)) r.close();
});

/** A webhook receiver on loopback: answers `status()` and keeps what it got. */
async function receiver(status: () => number) {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const answered = status();
      got.push({ headers: req.headers, body, answered });
      res.statusCode = answered;
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receivers.push(server);
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, got };
}

const CI =
  "name: CI\non: workflow_dispatch\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

function config(repo: string): string {
  return `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  isolation: none\noutgoing_webhooks:\n  url_schemes: [http]\n  allow_private_networks: true\n`;
}

async function dispatch(s: { url: string }): Promise<number> {
  const answer = await api(s, token, "POST", "/repos/acme/app/actions/workflows/ci.yml/dispatches", {
    ref: "main",
    return_run_details: true,
  });
  return answer.json.workflow_run_id as number;
}

function signature(body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

describe("repository webhooks", () => {
  it("sends workflow_run and workflow_job, signed, and keeps a delivery log; the secret never shows", async () => {
    const hook = await receiver(() => 200);
    const server = await serveWithConfig(
      config(makeRepo({ files: { ".github/workflows/ci.yml": CI } })),
      token,
    );
    const made = await api(server, token, "POST", "/repos/acme/app/hooks", {
      name: "web",
      config: { url: hook.url, content_type: "json", secret },
      events: ["workflow_run", "workflow_job"],
    });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ active: true, events: ["workflow_run", "workflow_job"] });
    expect(made.json.config).toEqual({
      content_type: "json",
      insecure_ssl: "0",
      url: hook.url,
      secret: "********",
    });
    expect(made.text).not.toContain(secret);
    // GitHub pings a new hook.
    await until(
      async () => hook.got,
      (got) => got.some((r) => r.headers["x-github-event"] === "ping"),
    );

    const runId = await dispatch(server);
    const got = await until(
      async () => hook.got,
      (list) =>
        ["workflow_run", "workflow_job"].every((e) => list.some((r) => r.headers["x-github-event"] === e)),
    );
    const job = got.find((r) => r.headers["x-github-event"] === "workflow_job") as Received;
    const run = got.find((r) => r.headers["x-github-event"] === "workflow_run") as Received;
    for (const r of [job, run]) {
      expect(r.headers["x-hub-signature-256"]).toBe(signature(r.body));
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(JSON.parse(job.body)).toMatchObject({
      action: "completed",
      workflow_job: { run_id: runId, name: "build", conclusion: "success", status: "completed" },
      repository: { full_name: "acme/app" },
    });
    expect(JSON.parse(run.body)).toMatchObject({
      action: "completed",
      workflow_run: { id: runId, name: "CI", conclusion: "success", status: "completed" },
      workflow: { path: ".github/workflows/ci.yml" },
    });

    const id = made.json.id as number;
    const log = await until(
      () => api(server, token, "GET", `/repos/acme/app/hooks/${id}/deliveries`),
      (r) => r.json.filter((d: { state: string }) => d.state === "delivered").length >= 3,
    );
    expect(log.json.map((d: { event: string }) => d.event).sort()).toEqual([
      "ping",
      "workflow_job",
      "workflow_run",
    ]);
    expect(log.json[0]).toMatchObject({ status: "OK", status_code: 200, attempts: 1 });
    const one = await api(server, token, "GET", `/repos/acme/app/hooks/${id}/deliveries/${log.json[0].id}`);
    expect(one.json.request.payload.action).toBe("completed");

    const listed = await api(server, token, "GET", "/repos/acme/app/hooks");
    expect(listed.json).toMatchObject([{ id, config: { secret: "********" }, last_response: { code: 200 } }]);
    expect(listed.text).not.toContain(secret);
    // Not in the database or anything the server printed, in clear.
    for (const f of readdirSync(server.data).filter((n) => n.startsWith("gantry.db"))) {
      expect(readFileSync(join(server.data, f)).includes(secret)).toBe(false);
    }
    expect(server.stdout() + server.stderr()).not.toContain(secret);

    // Inactive: nothing more is sent; removed: 404.
    await api(server, token, "PATCH", `/repos/acme/app/hooks/${id}`, { active: false });
    expect((await api(server, token, "DELETE", `/repos/acme/app/hooks/${id}`)).status).toBe(204);
    expect((await api(server, token, "GET", `/repos/acme/app/hooks/${id}`)).status).toBe(404);
  });

  it("retries a failed delivery with back-off, also after a restart", async () => {
    let up = false;
    const hook = await receiver(() => (up ? 200 : 503));
    const first = await serveWithConfig(
      config(makeRepo({ files: { ".github/workflows/ci.yml": CI } })),
      token,
    );
    const made = await api(first, token, "POST", "/repos/acme/app/hooks", {
      config: { url: hook.url, secret },
      events: ["workflow_run"],
    });
    const deliveries = `/repos/acme/app/hooks/${made.json.id}/deliveries`;
    await dispatch(first);
    const failed = await until(
      () => api(first, token, "GET", deliveries),
      (r) =>
        r.json.some(
          (d: { event: string; attempts: number }) => d.event === "workflow_run" && d.attempts >= 1,
        ),
    );
    const pending = failed.json.find((d: { event: string }) => d.event === "workflow_run");
    expect(pending).toMatchObject({ state: "pending", status_code: 503 });
    expect(pending.next_attempt_at).not.toBeNull();

    first.proc.kill("SIGKILL");
    await exited(first.proc);
    up = true;
    const second = await serve(first.args, { GANTRY_ADMIN_TOKEN: token });
    const done = await until(
      () => api(second, token, "GET", deliveries),
      (r) =>
        r.json.some(
          (d: { event: string; state: string }) => d.event === "workflow_run" && d.state === "delivered",
        ),
    );
    const delivered = done.json.find((d: { event: string }) => d.event === "workflow_run");
    expect(delivered.attempts).toBeGreaterThanOrEqual(2);
    expect(delivered.guid).toBe(pending.guid);
    const sent = hook.got.filter((r) => r.headers["x-github-event"] === "workflow_run");
    expect(sent.map((r) => r.answered)).toContain(503);
    expect(sent.at(-1)?.answered).toBe(200);
    // The same delivery each time: the same id and signed body.
    expect(new Set(sent.map((r) => r.headers["x-github-delivery"])).size).toBe(1);
    expect(sent.at(-1)?.headers["x-hub-signature-256"]).toBe(signature(sent.at(-1)?.body ?? ""));
  });

  it("is configured from the CLI, the secret read from a file and never shown", async () => {
    const hook = await receiver(() => 200);
    const server = await serveWithConfig(
      config(makeRepo({ files: { ".github/workflows/ci.yml": CI } })),
      token,
    );
    const cwd = scratch();
    writeFileSync(join(cwd, "secret"), `${secret}\n`);
    const env = { GANTRY_SERVER: server.url, GANTRY_TOKEN: token };
    const added = await gantry(
      cwd,
      ["hooks", "add", hook.url, "--secret-file", join(cwd, "secret"), "--events", "workflow_run"],
      { env },
    );
    expect(added.stderr).toBe("");
    const id = /Hook (\d+) added to acme\/app: workflow_run/.exec(added.stdout)?.[1] as string;
    expect(id).toBeDefined();
    const ping = await until(
      async () => hook.got,
      (got) => got.some((r) => r.headers["x-github-event"] === "ping"),
    );
    expect(ping[0].headers["x-hub-signature-256"]).toBe(signature(ping[0].body));
    const listed = await gantry(cwd, ["hooks", "list"], { env });
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\s+http://127\\.0\\.0\\.1:\\d+/hook\\s+workflow_run\\s+yes\\s+yes`, "m"),
    );
    expect(listed.stdout).not.toContain(secret);
    const log = await until(
      () => gantry(cwd, ["hooks", "deliveries", id], { env }),
      (r) => /ping\s+delivered\s+200\s+1/.test(r.stdout),
    );
    expect(log.code).toBe(0);
    expect((await gantry(cwd, ["hooks", "rm", id], { env })).stdout).toBe(
      `✓ Hook ${id} removed from acme/app\n`,
    );
    expect((await gantry(cwd, ["hooks", "list"], { env })).stdout).toBe("No hooks in acme/app.\n");
    const refused = await gantry(cwd, ["hooks", "add", "ftp://x.example.com/"], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/scheme 'ftp' is not allowed/);
  });

  it("refuses URLs the config does not allow, events it does not send, and strangers", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
    const server = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      token,
    );
    const create = (url: string, events?: string[]) =>
      api(server, token, "POST", "/repos/acme/app/hooks", { config: { url }, ...(events ? { events } : {}) });
    for (const [url, reason] of [
      ["http://chat.example.com/hook", /scheme 'http' is not allowed/],
      ["https://127.0.0.1:8080/api/v1/repos", /loopback, private or link-local/],
      ["https://169.254.169.254/latest/meta-data/", /link-local/],
      ["https://[::ffff:127.0.0.1]/", /loopback/],
      ["https://localhost/", /loopback/],
      ["file:///etc/passwd", /scheme 'file'/],
    ] as const) {
      const answer = await create(url);
      expect(answer.status, url).toBe(422);
      expect(answer.json.errors.join("\n"), url).toMatch(reason);
    }
    const push = await create("https://chat.example.com/hook", ["push"]);
    expect(push.status).toBe(422);
    expect(push.text).toMatch(/gantry sends workflow_run and workflow_job/);
    const stranger = await fetch(`${server.url}/api/v1/repos/acme/app/hooks`, {
      method: "POST",
      body: JSON.stringify({ config: { url: "https://chat.example.com/hook" } }),
    });
    expect(stranger.status).toBe(401);
    expect((await api(server, token, "GET", "/repos/acme/app/hooks")).json).toEqual([]);
  });
});
