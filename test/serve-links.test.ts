// Links and logs as GitHub's: html_url is the web page, gantry dispatch prints it, and a run's
// logs_url (and an attempt's) is a zip of its jobs' logs, one text file per job, masked as stored.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractZip } from "../src/artifacts/zip-read.js";
import { gantry, makeRepo, scratch } from "./harness.js";
import { api, serveWithConfig, until } from "./serve-harness.js";

const token = "links-token";
const SECRET = "s3cr3t-d3ploy-key";

const CI = `name: CI
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "building with \${{ secrets.DEPLOY_KEY }}"
  unit:
    name: test / unit
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "unit tests pass"
`;

async function unzip(bytes: Buffer): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-logs-"));
  writeFileSync(join(dir, "logs.zip"), bytes);
  await extractZip(join(dir, "logs.zip"), join(dir, "out"), 10_000_000);
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, "out"))) out[name] = readFileSync(join(dir, "out", name), "utf8");
  return out;
}

describe("links and logs", () => {
  it("html_url is the run's page, and the run's logs download as a zip of its jobs' logs", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nsecrets:\n  DEPLOY_KEY: ${SECRET}\n`,
      token,
    );
    const env = { GANTRY_SERVER: s.url, GANTRY_TOKEN: token, GANTRY_REPO: "acme/app" };
    const sent = await gantry(scratch(), ["dispatch", "ci.yml"], { env });
    expect(sent.stderr).toBe("");
    const printed = /Run (\d+) queued: (\S+)/.exec(sent.stdout);
    expect(printed, sent.stdout).not.toBeNull();
    const id = Number(printed?.[1]);
    // The page a person opens: the web UI, not API JSON.
    expect(printed?.[2]).toBe(`${s.url}/acme/app/runs/${id}`);
    const page = await fetch(printed?.[2] ?? "");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");

    const run = (
      await until(
        () => api(s, token, "GET", `/repos/acme/app/actions/runs/${id}`),
        (r) => r.json.status === "completed",
      )
    ).json;
    expect(run.conclusion).toBe("success");
    expect(run.html_url).toBe(`${s.url}/acme/app/runs/${id}`);
    expect(run.url).toBe(`${s.url}/api/v1/repos/acme/app/actions/runs/${id}`);
    expect(run.logs_url).toBe(`${run.url}/logs`);
    const jobs = (await api(s, token, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs;
    const build = jobs.find((j: { name: string }) => j.name === "build");
    expect(build.html_url).toBe(`${s.url}/acme/app/jobs/${build.id}`);
    const status = await api(s, token, "GET", `/repos/acme/app/commits/${run.head_sha}/status`);
    expect(status.json.statuses[0].target_url).toMatch(new RegExp(`^${s.url}/acme/app/(jobs|runs)/\\d+$`));

    // logs_url: one file per job, in the jobs' order, masked as stored.
    const download = async (url: string, auth = true) =>
      fetch(url, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
    const zip = await download(run.logs_url);
    expect(zip.status).toBe(200);
    expect(zip.headers.get("content-type")).toBe("application/zip");
    const files = await unzip(Buffer.from(await zip.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(["1_build.txt", "2_test _ unit.txt"]);
    expect(files["1_build.txt"]).toContain("building with ***");
    expect(files["2_test _ unit.txt"]).toContain("unit tests pass");
    expect(JSON.stringify(files)).not.toContain(SECRET);
    // An attempt's logs, and a job's as plain text.
    const attempt = await download(`${run.url}/attempts/1/logs`);
    expect(Object.keys(await unzip(Buffer.from(await attempt.arrayBuffer()))).length).toBe(2);
    expect((await download(`${run.url}/attempts/2/logs`)).status).toBe(404);
    const text = await download(`${s.url}/api/v1/repos/acme/app/actions/jobs/${build.id}/logs`);
    expect(text.headers.get("content-type")).toContain("text/plain");
    expect(await text.text()).toContain("building with ***");
    // The workflow file at the run's commit, as plain text.
    const wf = await download(`${run.url}/workflow-file`);
    expect(wf.status).toBe(200);
    expect(wf.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(wf.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await wf.text()).toBe(CI);
    expect((await download(`${run.url}/workflow-file`, false)).status).toBe(401);
    // Only with a token.
    expect((await download(run.logs_url, false)).status).toBe(401);
    expect((await download(`${s.url}/api/v1/repos/acme/other/actions/runs/${id}/logs`)).status).toBe(404);
  });
});
