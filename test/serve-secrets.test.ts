// Actions secrets and variables on the real server: set through the CLI (sealed on the client with
// the server's public key), they reach jobs by GitHub's precedence (environment, repository,
// server-wide, then the config file's clear-text ones) and are masked in the logs; the plain value
// is nowhere under the data directory (logs; database and WAL on SQLite), nor in the database
// (SQLite or PostgreSQL), nor in any API answer. Bad input is
// refused with the rule it broke and nothing kept; a rotated master key keeps secrets working; a
// key that does not open them stops the start, saying so.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearTextInStore } from "./db-query.js";
import { BIN, makeRepo } from "./harness.js";
import {
  api,
  dispatchRun,
  exited,
  filesUnder,
  type Serve,
  serve,
  serveWithConfig,
  until,
  untilJobFoldersGone,
} from "./serve-harness.js";

const TOKEN = "e2e-secrets-admin-token";
const DEPLOY = "deploy-9c1f7e2b-plain-value-never-kept";
const LAYERS = {
  server: "layer-server-7d31a0c4e8",
  repo: "layer-repo-5b92e61f3a",
  env: "layer-env-0e48c7d2b9",
};
const FROM_CONFIG = "from-config-file-4f0a9b3c";

const sha = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 16);

const WORKFLOW = `name: Secrets
on: workflow_dispatch
jobs:
  plain:
    runs-on: ubuntu-latest
    steps:
      - env:
          D: \${{ secrets.DEPLOY_TOKEN }}
          L: \${{ secrets.LAYER }}
          C: \${{ secrets.FROM_CONFIG }}
        run: |
          echo "token=\${{ secrets.DEPLOY_TOKEN }}"
          echo "deploy-sha=$(printf %s "$D" | sha256sum | cut -c1-16)"
          echo "layer-sha=$(printf %s "$L" | sha256sum | cut -c1-16)"
          echo "config-sha=$(printf %s "$C" | sha256sum | cut -c1-16)"
          echo "var=\${{ vars.LAYER_VAR }}"
  staged:
    runs-on: ubuntu-latest
    environment: Production
    steps:
      - env:
          L: \${{ secrets.LAYER }}
        run: |
          echo "layer-sha=$(printf %s "$L" | sha256sum | cut -c1-16)"
          echo "var=\${{ vars.LAYER_VAR }}"
`;

/** The real CLI against the server, with standard input when given. */
function cli(s: Pick<Serve, "url">, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, GANTRY_SERVER: s.url, GANTRY_TOKEN: TOKEN },
    input: input ?? "",
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Each job's log by job name, once the run's attempt completed. */
async function runLogs(s: Serve, attempt = 1): Promise<{ conclusion: string; logs: Record<string, string> }> {
  const { id, done } = await dispatchRun(s, TOKEN, "secrets.yml");
  const run = await done(attempt);
  const jobs = (await api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs as Array<{
    id: number;
    name: string;
  }>;
  const logs: Record<string, string> = {};
  for (const j of jobs)
    logs[j.name] = (await api(s, TOKEN, "GET", `/repos/acme/app/actions/jobs/${j.id}/logs`)).text;
  return { conclusion: run.json.conclusion, logs };
}

describe("gantry serve: Actions secrets and variables", () => {
  it("reach jobs by precedence, masked, encrypted at rest; survive a key rotation; a wrong key stops the start", async () => {
    const repo = makeRepo({ files: { ".github/workflows/secrets.yml": WORKFLOW } });
    const config = `repos:\n  - { owner: acme, name: app, url: ${repo}, environments: { production: {} } }\nrepo_url_schemes: [https, ssh, file]\nsecrets:\n  FROM_CONFIG: ${FROM_CONFIG}\n  LAYER: config-layer-lowest\n`;
    let s: Serve & { data: string; args: string[] } = await serveWithConfig(config, TOKEN);
    // The config file's secrets work, but the server says they are clear text.
    expect(s.stderr()).toMatch(
      /warning: the config file holds 2 secret\(s\) in clear text \(FROM_CONFIG, LAYER\)/,
    );
    expect(s.stderr()).toMatch(/made a new master key in .*master\.key/);
    expect(statSync(join(s.data, "master.key")).mode & 0o777).toBe(0o600);

    // Set through the CLI: standard input and --body, at each level.
    let r = cli(s, ["secret", "set", "deploy_token", "--repo", "acme/app"], `${DEPLOY}\n`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("Set secret DEPLOY_TOKEN for acme/app\n");
    expect(r.code).toBe(0);
    expect(cli(s, ["secret", "set", "LAYER", "--server-wide", "--body", LAYERS.server]).code).toBe(0);
    expect(cli(s, ["secret", "set", "LAYER", "--repo", "acme/app", "--body", LAYERS.repo]).code).toBe(0);
    expect(
      cli(s, ["secret", "set", "LAYER", "--repo", "acme/app", "--env", "production"], LAYERS.env).code,
    ).toBe(0);
    // An environment the repository does not have: refused, saying how to add it.
    r = cli(s, ["secret", "set", "LAYER", "--repo", "acme/app", "--env", "staging"], LAYERS.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /acme\/app has no environment staging: add it first \(PUT \/api\/v1\/repos\/acme\/app\/environments\/staging/,
    );
    for (const [flags, value] of [
      [["--server-wide"], "var-server"],
      [["--repo", "acme/app"], "var-repo"],
      [["--repo", "acme/app", "--env", "PRODUCTION"], "var-env"],
    ] as const)
      expect(cli(s, ["variable", "set", "layer_var", ...flags, "--body", value]).code).toBe(0);
    r = cli(s, ["variable", "set", "LAYER_VAR", "--repo", "acme/app", "--body", "var-repo"]);
    expect(r.stdout).toBe("Updated variable LAYER_VAR for acme/app\n");
    r = cli(s, ["secret", "list", "--repo", "acme/app"]);
    expect(r.stdout).toMatch(/^NAME\s+UPDATED\nDEPLOY_TOKEN\s+\S+Z\nLAYER\s+\S+Z\n$/);
    expect(cli(s, ["variable", "list", "--repo", "acme/app", "--env", "Production"]).stdout).toMatch(
      /LAYER_VAR\s+var-env/,
    );

    // Bad input: the rule broken, exit 2, nothing kept.
    r = cli(s, ["secret", "set", "9LIVES", "--repo", "acme/app", "--body", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name: Secret names must not start with a number/);
    r = cli(s, ["secret", "set", "GITHUB_PAT", "--repo", "acme/app", "--body", "x"]);
    expect(r.stderr).toMatch(/must not start with the GITHUB_ prefix/);
    r = cli(s, ["secret", "set", "HUGE", "--repo", "acme/app", "--body", "h".repeat(48 * 1024 + 1)]);
    expect(r.stderr).toMatch(/limited to 48 KB/);
    const key = (await api(s, TOKEN, "GET", "/repos/acme/app/actions/secrets/public-key")).json;
    const wrongKey = await api(s, TOKEN, "PUT", "/repos/acme/app/actions/secrets/WRONG", {
      encrypted_value: Buffer.from("x".repeat(60)).toString("base64"),
      key_id: key.key_id,
    });
    expect(wrongKey.status).toBe(422);
    expect(wrongKey.json.errors.join()).toMatch(
      /not a libsodium sealed box made with this repository's public key/,
    );
    const wrongId = await api(s, TOKEN, "PUT", "/repos/acme/app/actions/secrets/WRONG", {
      encrypted_value: "AAAA",
      key_id: "1",
    });
    expect(wrongId.status).toBe(422);
    expect(wrongId.json.errors.join()).toMatch(/key_id: '1' is not the current public key's id/);
    const names = (await api(s, TOKEN, "GET", "/repos/acme/app/actions/secrets")).json.secrets.map(
      (x: { name: string }) => x.name,
    );
    expect(names).toEqual(["DEPLOY_TOKEN", "LAYER"]);

    // A run: each job gets its level's values, masked in its log.
    let { conclusion, logs } = await runLogs(s);
    expect(conclusion, JSON.stringify(logs, null, 2)).toBe("success");
    expect(logs.plain).toMatch(/token=\*\*\*\s*$/m);
    expect(logs.plain).toContain(`deploy-sha=${sha(DEPLOY)}`);
    expect(logs.plain).toContain(`layer-sha=${sha(LAYERS.repo)}`);
    expect(logs.plain).toContain(`config-sha=${sha(FROM_CONFIG)}`);
    expect(logs.plain).toMatch(/var=var-repo\s*$/m);
    expect(logs.staged).toContain(`layer-sha=${sha(LAYERS.env)}`);
    expect(logs.staged).toMatch(/var=var-env\s*$/m);
    // Without the repository's, the server-wide value is the one.
    expect(cli(s, ["secret", "rm", "layer", "--repo", "acme/app"]).stdout).toBe(
      "Removed secret LAYER from acme/app\n",
    );
    ({ logs } = await runLogs(s));
    expect(logs.plain).toContain(`layer-sha=${sha(LAYERS.server)}`);

    // Nowhere in clear: not in any API answer, nor any file of the data directory.
    const answers = [
      (await api(s, TOKEN, "GET", "/repos/acme/app/actions/secrets")).text,
      (await api(s, TOKEN, "GET", "/repos/acme/app/actions/secrets/DEPLOY_TOKEN")).text,
      (await api(s, TOKEN, "GET", "/repos/acme/app/environments/production/secrets")).text,
      (await api(s, TOKEN, "GET", "/admin/actions/secrets")).text,
      (await api(s, TOKEN, "GET", "/repos/acme/app/actions/runs")).text,
      ...Object.values(logs),
    ];
    for (const text of answers)
      for (const v of [DEPLOY, ...Object.values(LAYERS)]) expect(text).not.toContain(v);
    // The jobs' folders (their scripts had the values written in) are gone once the runs end.
    await untilJobFoldersGone(s.data);
    const kept = filesUnder(s.data);
    // SQLite keeps the database (and its WAL) in the data directory; PostgreSQL's is scanned below.
    for (const kind of [...(s.database ? [] : ["gantry.db", "gantry.db-wal"]), ".log"])
      expect(
        kept.some((f) => f.endsWith(kind)),
        kind,
      ).toBe(true);
    for (const file of kept) {
      const bytes = readFileSync(file);
      for (const v of [DEPLOY, ...Object.values(LAYERS)])
        expect(bytes.includes(Buffer.from(v)), `${v} in ${file}`).toBe(false);
    }
    // The database itself, SQLite or PostgreSQL: its rows and files. The scan is not blind: it finds a
    // variable (kept in clear, as on GitHub) in a row.
    const held = await clearTextInStore(s, [DEPLOY, ...Object.values(LAYERS), "var-env"]);
    expect(held.filter((found) => !found.startsWith("var-env "))).toEqual([]);
    expect(held).toContain("var-env in a row");

    // Rotation: everything re-encrypted under a new key, which the next start uses.
    const oldKey = readFileSync(join(s.data, "master.key"), "utf8").trim();
    s.proc.kill("SIGTERM");
    expect(await exited(s.proc)).toBe(0);
    const rotated = await serve([...s.args, "--rotate-master-key"], { GANTRY_ADMIN_TOKEN: TOKEN });
    s = { ...rotated, data: s.data, args: s.args };
    expect(s.stderr()).toMatch(
      /master key rotated: [0-9a-f]{8} → [0-9a-f]{8}; 3 secret\(s\), 0 hook secret\(s\) and the sealed-box key re-encrypted/,
    );
    expect(readFileSync(join(s.data, "master.key"), "utf8").trim()).not.toBe(oldKey);
    const rotation = await api(s, TOKEN, "GET", "/audit-log?action=secrets.rotate_master_key");
    expect(rotation.json).toHaveLength(1);
    expect(rotation.json[0].details).toMatchObject({ secrets: 3 });
    expect(rotation.text).not.toContain(oldKey);
    ({ conclusion, logs } = await runLogs(s));
    expect(conclusion).toBe("success");
    expect(logs.plain).toContain(`deploy-sha=${sha(DEPLOY)}`);
    expect(logs.staged).toContain(`layer-sha=${sha(LAYERS.env)}`);
    s.proc.kill("SIGTERM");
    await exited(s.proc);

    // The old key no longer opens them: a clear error at start, not empty secrets.
    const refused = await serve(s.args, { GANTRY_ADMIN_TOKEN: TOKEN, GANTRY_MASTER_KEY: oldKey }).catch(
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/exited \(2\)/);
    expect((refused as Error).message).toMatch(
      /gantry: master key: the master key from GANTRY_MASTER_KEY \(key [0-9a-f]{8}\) does not open the secrets this database holds: they are encrypted under master key [0-9a-f]{8}/,
    );
  });
});
