// gantry advise in a real checkout, against a real server's run history: what to pin, cache and
// parallelise, each at its file:line:col, and what the workflow costs in runner minutes and money
// from its last runs; bad options are refused, and without a server it says the advice is the
// files' alone.
import { describe, expect, it } from "vitest";
import { gantry, makeRepo } from "./harness.js";
import { api, dispatchRun, serveWithConfig } from "./serve-harness.js";

const ADMIN = "gantry_advise_e2e_admin_token";

const CI = `name: CI
on: workflow_dispatch
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo lint
  test:
    needs: lint
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
      - run: echo npm ci
`;

describe("gantry advise", () => {
  it("says what to pin, cache and parallelise, and what the workflow costs", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI } });

    const alone = await gantry(repo, ["advise"], { env: { GANTRY_SERVER: "" } });
    expect(alone.code, alone.stderr).toBe(0);
    expect(alone.stdout.split("\n").filter((l) => l !== "")).toEqual([
      expect.stringMatching(
        /^\.github\/workflows\/ci\.yml:8:3: cache: job 'test' runs npm without a cache .*`cache: npm` on actions\/setup-node/,
      ),
      expect.stringMatching(
        /^\.github\/workflows\/ci\.yml:8:3: parallelise: job 'test' waits for 'lint' but uses none of its outputs/,
      ),
      expect.stringMatching(
        /^\.github\/workflows\/ci\.yml:12:15: pin: pin actions\/setup-node@v4 \(GitHub's\)/,
      ),
    ]);
    expect(alone.stderr).toContain(
      "no server named (--server or GANTRY_SERVER): advice from the workflow files alone",
    );

    // Three runs on a server: the cost from their jobs, each billed as a whole minute.
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      ADMIN,
    );
    for (let i = 0; i < 3; i++) {
      const run = await dispatchRun(s, ADMIN, "ci.yml");
      expect((await run.done(1)).json.conclusion).toBe("success");
    }
    const env = { GANTRY_SERVER: s.url, GANTRY_TOKEN: ADMIN, GANTRY_REPO: "acme/app" };
    const priced = await gantry(repo, ["advise", "--price-per-minute", "0.008"], { env });
    expect(priced.code, priced.stderr).toBe(0);
    expect(priced.stdout).toMatch(
      /^\.github\/workflows\/ci\.yml:1:1: cost: CI: 3 runs a week over the last 3, a median \d+s each and 2 runner minutes a run: 6 runner minutes a week \(0\.05 a week at 0\.008 a minute\)$/m,
    );
    const json = await gantry(repo, ["advise", "--json", "--runs", "2"], { env });
    const advice = JSON.parse(json.stdout) as Array<{
      kind: string;
      file: string;
      line: number;
      col: number;
    }>;
    expect(advice.map((a) => a.kind).sort()).toEqual(["cache", "parallelise", "pin"]);
    // (two runs are too few to say what a workflow costs)

    const refused = await gantry(repo, ["advise", "--runs", "0"], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--runs expects a whole number from 1 to 1000, got '0'");
    const badPrice = await gantry(repo, ["advise", "--price-per-minute", "cheap"], { env });
    expect(badPrice.code).toBe(2);
    expect(badPrice.stderr).toContain("--price-per-minute expects a number, got 'cheap'");
    // A stranger's token reads no history.
    await api(s, ADMIN, "POST", "/admin/users", { login: "sam" });
    const token = await api(s, ADMIN, "POST", "/admin/users/sam/authorizations", {
      note: "e2e",
      scopes: ["repo"],
    });
    const stranger = await gantry(repo, ["advise"], { env: { ...env, GANTRY_TOKEN: token.json.token } });
    expect(stranger.code).not.toBe(0);
    expect(stranger.stdout).toBe("");
  });
});
