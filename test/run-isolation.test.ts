// `gantry run --isolation sandbox`: the jobs of a workflow the user does not trust run in a
// bubblewrap sandbox, as on the server, and ordinary steps still work there.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, job, makeRepo, pathWith } from "./harness.js";
import { ORDINARY_FILES, ORDINARY_WORKFLOW, processesWith } from "./sandbox-workflows.js";

describe("gantry run --isolation sandbox", () => {
  it("runs an ordinary project's CI: checkout, setup-node, npm ci, cache, artifacts, a background service", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": ORDINARY_WORKFLOW, ...ORDINARY_FILES } });
    const r = await gantry(repo, ["run", "--isolation", "sandbox"]);
    expect(r.stderr).toBe("");
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("service says pong");
    expect(r.stdout).toContain("built ordinary-app");
    expect(r.stdout).toContain("restored cached");
    expect(job(r.report, "test").result).toBe("success");
  });

  it("keeps the user's environment, credentials and gantry's home from a job, and ends what it leaves", async () => {
    // Outside /tmp, which the sandbox replaces anyway: the key is hidden for being a credential.
    const home = mkdtempSync("/var/tmp/gantry-user-");
    const gantryHome = mkdtempSync(join(tmpdir(), "gantry-home-"));
    writeFileSync(join(gantryHome, "config.yml"), "action_mirror: file:///SAW-GANTRY-HOME/{owner}/{repo}\n");
    mkdirSync(join(home, ".ssh"));
    writeFileSync(join(home, ".ssh", "id_ed25519"), "PRIVATE-KEY-OF-THE-USER\n");
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: Peek
on: push
jobs:
  peek:
    runs-on: ubuntu-latest
    steps:
      - run: |
          env | sort
          cat "${home}/.ssh/id_ed25519" || echo "no key"
          cat "${gantryHome}/config.yml" 2>/dev/null || echo "no gantry config"
          setsid sh -c 'exec sleep 4343.5' > /dev/null 2>&1 < /dev/null &
          echo "HOME is $HOME"
`,
      },
    });
    const r = await gantry(repo, ["run", "--isolation", "sandbox"], {
      env: { HOME: home, GANTRY_HOME: gantryHome, USER_ONLY_TOKEN: "token-of-the-user-shell" },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).not.toContain("token-of-the-user-shell");
    expect(r.stdout).not.toContain("PRIVATE-KEY-OF-THE-USER");
    expect(r.stdout).toContain("no key");
    expect(r.stdout).not.toContain("SAW-GANTRY-HOME");
    expect(r.stdout).not.toMatch(new RegExp(`HOME is ${home}$`, "m"));
    expect(processesWith("sleep\u00004343.5")).toEqual([]);
  });

  it("starts a step's sandbox with the host's bubblewrap, never a `bwrap` the job put on its PATH", async () => {
    // Where the planted one would leave its mark: the host's /tmp, which a job sees only as its own.
    const proof = join(tmpdir(), `gantry-escape-${process.pid}-${Date.now()}`);
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: Plant
on: push
jobs:
  plant:
    runs-on: ubuntu-latest
    steps:
      - run: |
          for dir in $(echo "$PATH" | tr ':' ' '); do
            printf '#!/bin/sh\\necho escaped > ${proof}\\nexec /usr/bin/bwrap "$@"\\n' > "$dir/bwrap" 2>/dev/null && chmod +x "$dir/bwrap" && echo "planted in $dir"
          done
          true
      - run: echo "the next step ran"
`,
      },
    });
    const r = await gantry(repo, ["run", "--isolation", "sandbox"]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("planted in ");
    expect(r.stdout).toContain("the next step ran");
    expect(existsSync(proof)).toBe(false);
  });

  it("without it, a job runs as the user, with the user's environment (the default)", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml":
          'on: push\njobs:\n  env:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "token is $USER_ONLY_TOKEN"\n',
      },
    });
    const r = await gantry(repo, ["run"], { env: { USER_ONLY_TOKEN: "visible-locally" } });
    expect(r.stdout).toContain("token is visible-locally");
    // Without bubblewrap the job fails, saying why; it never runs unsandboxed.
    const missing = await gantry(repo, ["run", "--isolation", "sandbox"], {
      env: { PATH: pathWith(["git", "sh", "bash"]) },
    });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("the job's sandbox did not start: bubblewrap (bwrap) is not installed");
    expect(missing.stdout).not.toContain("token is");
    const bad = await gantry(repo, ["run", "--isolation", "jail"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--isolation expects none or sandbox, got 'jail'");
  });
});
