// A secret printed in its encoded forms (base64 at each byte offset, JSON- and URI-escaped) through
// every place a step can put text: the log, annotations, step outputs, job outputs and the step
// summary. On the real server, none of the forms may reach the log, an API answer or the data
// directory (the database, the log files, the annotations and summaries).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { storeContents } from "./db-query.js";
import { makeRepo } from "./harness.js";
import { api, filesUnder, serveWithConfig, until, untilJobFoldersGone } from "./serve-harness.js";

/** Changes under JSON, URI and XML escaping (quote, backslash, slash, &, <, space, %, +, non-ASCII). */
const SECRET = 'p@ss"w0rd\\/&<x> é+%-Zq7';

/**
 * The characters of base64 that carry only the secret's bits, wherever it sits in the encoded bytes:
 * for the secret after 0, 1 and 2 bytes, from the first character after those bytes' bits to the
 * last one before the bits that follow.
 */
function base64Middles(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [0, 1, 2].map((k) => {
    const encoded = Buffer.concat([Buffer.alloc(k, 0x41), bytes]).toString("base64");
    return encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
  });
}

const FORMS: Record<string, string> = {
  raw: SECRET,
  base64: Buffer.from(SECRET).toString("base64"),
  ...Object.fromEntries(base64Middles(SECRET).map((m, k) => [`base64 at offset ${k}`, m])),
  json: JSON.stringify(SECRET).slice(1, -1),
  uri: encodeURIComponent(SECRET),
};

const WORKFLOW = `name: Forms
on: workflow_dispatch
jobs:
  leak:
    runs-on: ubuntu-latest
    outputs:
      b64: \${{ steps.forms.outputs.b64 }}
      json: \${{ steps.forms.outputs.json }}
      plain: \${{ steps.forms.outputs.plain }}
    env:
      SECRET: \${{ secrets.TOKEN }}
    steps:
      - id: forms
        run: |
          echo "whole: $(printf '%s' "$SECRET" | base64 -w0)"
          echo "offset 1: $(printf 'u%s' "$SECRET" | base64 -w0)"
          echo "offset 2: $(printf 'us%s\\n' "$SECRET" | base64 -w0)"
          echo "after user: $(printf 'user:%s' "$SECRET" | base64 -w0)"
          echo -n "$SECRET" | base64
          json=$(node -e 'process.stdout.write(JSON.stringify({ token: process.env.SECRET }))')
          uri=$(node -e 'process.stdout.write(encodeURIComponent(process.env.SECRET))')
          echo "json: $json"
          echo "uri: https://example.com/?token=$uri"
          echo "::warning title=$(printf '%s' "$SECRET" | base64 -w0)::json $json uri $uri"
          echo "b64=$(printf '%s' "$SECRET" | base64 -w0)" >> "$GITHUB_OUTPUT"
          echo "json=$json" >> "$GITHUB_OUTPUT"
          echo "uri=$uri" >> "$GITHUB_OUTPUT"
          echo "plain=visible" >> "$GITHUB_OUTPUT"
          {
            echo "## Forms"
            echo "- base64 **$(printf '%s' "$SECRET" | base64 -w0)**"
            echo "- json **$json**"
            echo "- uri [link](https://example.com/?token=$uri)"
          } >> "$GITHUB_STEP_SUMMARY"
          echo done-printing
  after:
    needs: leak
    runs-on: ubuntu-latest
    steps:
      - env:
          B64: \${{ needs.leak.outputs.b64 }}
          JSON_FORM: \${{ needs.leak.outputs.json }}
          PLAIN: \${{ needs.leak.outputs.plain }}
        run: |
          echo "got b64=[$B64] json=[$JSON_FORM]"
          echo "got plain=[$PLAIN]"
`;

/** The forms found in `text`, by name. */
function formsIn(text: string | Buffer): string[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return Object.entries(FORMS)
    .filter(([, form]) => bytes.includes(Buffer.from(form)))
    .map(([name]) => name);
}

describe("gantry serve: a secret's encoded forms are masked", () => {
  const token = "e2e-mask-token";

  it("in the log, annotations, step and job outputs, summaries, every API answer and the data directory", async () => {
    // Each form differs from the value, and none is so short that it could be found by chance.
    for (const [name, form] of Object.entries(FORMS)) {
      if (name !== "raw") expect(form, name).not.toBe(SECRET);
      expect(form.length, name).toBeGreaterThanOrEqual(20);
    }
    const repo = makeRepo({ files: { ".github/workflows/forms.yml": WORKFLOW } });
    const s = await serveWithConfig(
      `repos:\n  - { owner: acme, name: app, url: ${repo} }\nrepo_url_schemes: [https, ssh, file]\nsecrets: ${JSON.stringify({ TOKEN: SECRET })}\n`,
      token,
    );
    const dispatched = await api(s, token, "POST", "/repos/acme/app/actions/workflows/forms.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    });
    expect(dispatched.status, dispatched.text).toBe(200);
    const id = dispatched.json.workflow_run_id as number;
    const base = `/repos/acme/app/actions/runs/${id}`;
    const run = await until(
      () => api(s, token, "GET", base),
      (r) => r.json.status === "completed",
    );

    const jobs = (await api(s, token, "GET", `${base}/jobs`)).json.jobs as Array<{
      id: number;
      name: string;
    }>;
    const logs: Record<string, string> = {};
    for (const j of jobs)
      logs[j.name] = (await api(s, token, "GET", `/repos/acme/app/actions/jobs/${j.id}/logs`)).text;

    expect(run.json.conclusion, JSON.stringify(logs, null, 2)).toBe("success");

    // The step printed every form, each masked where it stood.
    const leak = logs.leak;
    expect(leak).toContain("done-printing");
    expect(leak).toMatch(/whole: \*\*\*\s*$/m);
    expect(leak).toMatch(/offset 1: [A-Za-z0-9+/]{0,2}\*\*\*[A-Za-z0-9+/=]{0,4}\s*$/m);
    expect(leak).toMatch(/offset 2: [A-Za-z0-9+/]{0,3}\*\*\*[A-Za-z0-9+/=]{0,4}\s*$/m);
    expect(leak).toMatch(/json: \{"token":"\*\*\*"\}/);
    expect(leak).toContain("uri: https://example.com/?token=***");
    // A job output carrying a secret is dropped, as on GitHub; the others pass.
    expect(logs.after).toContain("got b64=[] json=[]");
    expect(logs.after).toContain("got plain=[visible]");

    const answers = {
      run: run.text,
      jobs: (await api(s, token, "GET", `${base}/jobs`)).text,
      report: (await api(s, token, "GET", `${base}/report`)).text,
      annotations: (await api(s, token, "GET", `${base}/annotations`)).text,
      summaries: (await api(s, token, "GET", `${base}/summaries`)).text,
      graph: (await api(s, token, "GET", `${base}/graph`)).text,
      runs: (await api(s, token, "GET", "/repos/acme/app/actions/runs")).text,
      ...Object.fromEntries(Object.entries(logs).map(([name, text]) => [`log of ${name}`, text])),
    };
    const report = JSON.parse(answers.report);
    const forms = report.jobs.find((j: { id: string }) => j.id === "leak").steps[0];
    expect(forms.outputs).toEqual({ b64: "***", json: '{"token":"***"}', uri: "***", plain: "visible" });
    expect(answers.annotations).toContain('"title":"***"');
    expect(answers.annotations).toContain('"message":"json {\\"token\\":\\"***\\"} uri ***"');
    const markdown = JSON.parse(answers.summaries).summaries[0].markdown;
    expect(markdown).toContain("- base64 *******\n");
    expect(markdown).toContain('- json **{"token":"***"}**\n');
    expect(markdown).toContain("- uri [link](https://example.com/?token=***)\n");
    for (const [name, text] of Object.entries(answers)) expect(formsIn(text), name).toEqual([]);

    // What the server keeps: every file of its data directory (the log files, the annotations and
    // summaries, the repository's clone; gantry.db with its WAL on SQLite) and its database's rows
    // and files (the step outputs among them, the masked ones as ***).
    // The jobs' folders (their file-command files held the forms the steps wrote) go once the run
    // has ended; what stays is scanned.
    await untilJobFoldersGone(s.data);
    const kept = filesUnder(s.data);
    for (const kind of [".log", "annotations.jsonl", "summaries.jsonl"])
      expect(kept.some((f) => f.endsWith(kind))).toBe(true);
    for (const file of kept) expect(formsIn(readFileSync(file)), file).toEqual([]);
    const store = await storeContents(s);
    expect(store.rows).toContain('"plain":"visible"');
    expect(formsIn(store.rows), "the database's rows").toEqual([]);
    for (const [file, bytes] of Object.entries(store.files)) expect(formsIn(bytes), file).toEqual([]);
  });
});
