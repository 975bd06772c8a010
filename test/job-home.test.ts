// Each job gets a HOME of its own, empty at the start as on a fresh runner, under `gantry run` and
// the server alike: `git config --global`, ~/.npmrc and ~/.npm are the job's, never the user's.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, job, makeRepo } from "./harness.js";
import { api, serveWithConfig, until } from "./serve-harness.js";

const USER_GITCONFIG = "[user]\n\tname = The User\n\temail = user@example.com\n";

/** A user's home with a git identity and an .npmrc of their own. */
function userHome(): string {
  const home = mkdtempSync(join(tmpdir(), "gantry-user-"));
  writeFileSync(join(home, ".gitconfig"), USER_GITCONFIG);
  writeFileSync(join(home, ".npmrc"), "//registry.example/:_authToken=USER-NPM-TOKEN\n");
  mkdirSync(join(home, ".config"));
  return home;
}

/** A job's steps: say where HOME is and what is in it, then change git's global config. */
function homeJob(name: string): string {
  return `  ${name}:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "${name} home=$HOME"
          echo "${name} files=$(ls -A "$HOME" | wc -l)"
          echo "${name} identity=$(git config --global user.name || echo none)"
          echo "${name} userconfig=\${npm_config_userconfig:-unset} xdg=$XDG_CONFIG_HOME"
          test -f ~/.npmrc && echo "${name} sees-npmrc" || true
          git config --global user.name "job ${name}"
          git config --global --add safe.directory '*'
          mkdir -p ~/.npm && echo ${name} > ~/.npm/owner
`;
}

describe("a HOME of the job's own", () => {
  it("gantry run: each job starts in an empty HOME, and nothing it writes there reaches the user or another job", async () => {
    const home = userHome();
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
${homeJob("a")}${homeJob("b")}  after:
    needs: [a, b]
    runs-on: ubuntu-latest
    steps:
      - run: echo "after identity=$(git config --global user.name || echo none)"
      # A file of the user's, handed in on purpose: npm reads the config the job's env names.
      - run: cat "$NPM_CONFIG_USERCONFIG"
        env:
          NPM_CONFIG_USERCONFIG: \${{ vars.NPMRC }}
`,
      },
    });
    const r = await gantry(repo, ["run", "--var", `NPMRC=${join(home, ".npmrc")}`], {
      env: {
        HOME: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        // What npx hands to what it starts: the user's .npmrc.
        npm_config_userconfig: join(home, ".npmrc"),
      },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const homes = ["a", "b"].map(
      (n) => r.stdout.match(new RegExp(`\\[CI/${n}\\] \\| ${n} home=(\\S+)`))?.[1],
    );
    for (const [i, n] of ["a", "b"].entries()) {
      expect(homes[i]).toMatch(/\/runs\/\d+\/\d+\/home$/);
      expect(r.stdout).toContain(`${n} files=0`);
      expect(r.stdout).toContain(`${n} identity=none`);
      expect(r.stdout).toContain(`${n} userconfig=unset xdg=${homes[i]}/.config`);
      expect(r.stdout).not.toContain(`${n} sees-npmrc`);
    }
    expect(homes[0]).not.toBe(homes[1]);
    // The next job starts from a fresh HOME too.
    expect(r.stdout).toContain("after identity=none");
    expect(r.stdout).toContain("[CI/after] | //registry.example/:_authToken=USER-NPM-TOKEN");
    // The user's own files are as they were.
    expect(readFileSync(join(home, ".gitconfig"), "utf8")).toBe(USER_GITCONFIG);
    expect(existsSync(join(home, ".config", "git"))).toBe(false);
    expect(existsSync(join(home, ".npm"))).toBe(false);
  });

  it("gantry run: jobs restoring the same ~/.npm entry at once each restore it into their own HOME", async () => {
    const home = mkdtempSync(join(tmpdir(), "gantry-user-"));
    const gantryHome = mkdtempSync(join(tmpdir(), "gantry-home-"));
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  deps:
    strategy:
      matrix:
        leg: [1, 2, 3, 4]
    runs-on: ubuntu-latest
    steps:
      - id: cache
        uses: actions/cache@v4
        with:
          path: ~/.npm
          key: npm-shared
      - if: steps.cache.outputs.cache-hit != 'true'
        run: mkdir -p ~/.npm/_cacache && for i in $(seq 1 300); do echo "$i" > ~/.npm/_cacache/f$i; done
      - run: echo "leg \${{ matrix.leg }} has $(ls ~/.npm/_cacache | wc -l) files in $HOME"
`,
      },
    });
    const env = { HOME: home, GANTRY_HOME: gantryHome };
    const first = await gantry(repo, ["run", "--max-jobs", "1"], { env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const second = await gantry(repo, ["run", "--max-jobs", "4"], { env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).not.toContain("Failed to restore");
    for (const leg of [1, 2, 3, 4]) {
      expect(second.stdout).toMatch(new RegExp(`leg ${leg} has 300 files in /\\S+/runs/\\d+/\\d+/home\\n`));
      expect(job(second.report, `deps (${leg})`).steps[0].outputs["cache-hit"]).toBe("true");
    }
    expect(existsSync(join(home, ".npm"))).toBe(false);
  });

  it("gantry serve without a sandbox: a job's HOME is its own, not the server user's", async () => {
    const home = userHome();
    const repo = makeRepo({
      files: {
        ".github/workflows/home.yml": `name: Home
on: workflow_dispatch
jobs:
${homeJob("a")}`,
      },
    });
    const token = "job-home-admin-token";
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  isolation: none\n`,
      token,
      [],
      { HOME: home },
    );
    const id = (
      await api(s, token, "POST", "/repos/acme/app/actions/workflows/home.yml/dispatches", {
        ref: "main",
        return_run_details: true,
      })
    ).json.workflow_run_id as number;
    const run = await until(
      () => api(s, token, "GET", `/repos/acme/app/actions/runs/${id}`),
      (r) => r.json.status === "completed",
    );
    expect(run.json.conclusion).toBe("success");
    const jobs = (await api(s, token, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs as {
      id: number;
    }[];
    const log = (await api(s, token, "GET", `/repos/acme/app/actions/jobs/${jobs[0].id}/logs`)).text;
    expect(log).toMatch(/a home=\/\S+\/home\n/);
    expect(log).not.toContain(`a home=${home}\n`);
    expect(log).toContain("a files=0");
    expect(log).toContain("a identity=none");
    expect(readFileSync(join(home, ".gitconfig"), "utf8")).toBe(USER_GITCONFIG);
  });
});
