// Jobs must not own the server: a hostile workflow on the real `gantry serve` (sandboxed by
// bubblewrap, the default) cannot read its environment, data directory, database or config, see or
// signal its process, leave a process behind or read another job's workspace, while ordinary
// steps still work.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearTextInStore } from "./db-query.js";
import { git, makeRepo, pathWith } from "./harness.js";
import { ORDINARY_FILES, ORDINARY_WORKFLOW, processesWith } from "./sandbox-workflows.js";
import { api, exited, type Serve, serveWithConfig, until } from "./serve-harness.js";

const token = "isolation-admin-token";
const configSecret = "config-file-secret-value";
const hookSecret = "hook-secret-in-the-config";

/** A workflow's step lines, indented under `run: |`. */
function script(lines: string): string {
  return lines
    .trim()
    .split("\n")
    .map((l) => `          ${l.trim()}`)
    .join("\n");
}

async function runToEnd(s: Serve, file: string) {
  const id = (
    await api(s, token, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
      ref: "main",
      return_run_details: true,
    })
  ).json.workflow_run_id as number;
  const run = (
    await until(
      () => api(s, token, "GET", `/repos/acme/app/actions/runs/${id}`),
      (r) => r.json.status === "completed",
    )
  ).json;
  const jobs = (await api(s, token, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs as {
    id: number;
    name: string;
    conclusion: string;
  }[];
  const logs: Record<string, string> = {};
  for (const j of jobs)
    logs[j.name] = (await api(s, token, "GET", `/repos/acme/app/actions/jobs/${j.id}/logs`)).text;
  return { run, jobs, logs };
}

function hostile(data: string, config: string, serverPid: number, serverHome: string): string {
  return `name: Hostile
on: workflow_dispatch
jobs:
  attack:
    runs-on: ubuntu-latest
    outputs:
      secret-file: \${{ steps.plant.outputs.file }}
    steps:
      - name: environment
        run: |
${script(`
          env | sort
          echo "HOME is $HOME"
          echo "EXTRA is $RUNNER_EXTRA"
        `)}
      - name: files the runner reads
        run: |
${script(`
          ln -sf "${config}" "$GITHUB_STEP_SUMMARY"
          ln -sf "${config}" "$GITHUB_OUTPUT"
        `)}
      - name: data directory
        run: |
${script(`
          if ls -A "${data}" 2>/dev/null | grep -qE "gantry.db|master.key"; then echo "LIST-DATA-OK"; else echo "LIST-DATA-DENIED"; fi
          if cat "${data}/gantry.db" >/dev/null 2>&1; then echo "READ-DB-OK"; else echo "READ-DB-DENIED"; fi
          if cat "${data}/master.key" >/dev/null 2>&1; then echo "READ-KEY-OK"; else echo "READ-KEY-DENIED"; fi
          echo junk-from-the-job >> "${data}/gantry.db" 2>/dev/null || true
          if cat "${config}" 2>/dev/null | grep -q secrets; then echo "READ-CONFIG-OK"; else echo "READ-CONFIG-DENIED"; fi
          if grep -l "[c]onfig.yml" /proc/*/cmdline 2>/dev/null | grep -q .; then echo "SEE-SERVER-OK"; else echo "SEE-SERVER-DENIED"; fi
          if tr '\\0' ' ' < /proc/$PPID/cmdline 2>/dev/null | grep -q config; then echo "PPID-CONFIG-OK"; else echo "PPID-CONFIG-DENIED"; fi
          if for p in /proc/[0-9]*; do ls -A "$p/root${data}"; done 2>/dev/null | grep -qE "master.key|audit-signing.key"; then echo "PROC-ROOT-DATA-OK"; else echo "PROC-ROOT-DATA-DENIED"; fi
          if cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -q "^GANTRY_ADMIN""_TOKEN="; then echo "PROC-ENVIRON-OK"; else echo "PROC-ENVIRON-DENIED"; fi
          launcher=$(for p in /proc/[0-9]*; do if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -qx -- '[^ ]* --sandbox '; then basename $p; fi; done | head -1)
          if [ -n "$launcher" ]; then echo "LAUNCHER-FOUND"; fi
          if [ -n "$launcher" ] && ls -A "/proc/$launcher/root${data}" 2>/dev/null | grep -qE "master.key|audit-signing.key"; then echo "LAUNCHER-ROOT-DATA-OK"; else echo "LAUNCHER-ROOT-DATA-DENIED"; fi
          if [ -n "$launcher" ] && cat "/proc/$launcher/maps" "/proc/$launcher/environ" >/dev/null 2>&1; then echo "LAUNCHER-MEMORY-OK"; else echo "LAUNCHER-MEMORY-DENIED"; fi
          if kill -0 ${serverPid} 2>/dev/null; then echo "SIGNAL-SERVER-OK"; else echo "SIGNAL-SERVER-DENIED"; fi
          if grep -q KEY "${serverHome}/.ssh/id_ed25519" 2>/dev/null; then echo "SERVER-KEY-OK"; else echo "SERVER-KEY-DENIED"; fi
          if touch /usr/gantry-was-here 2>/dev/null; then echo "WRITE-HOST-OK"; else echo "WRITE-HOST-DENIED"; fi
        `)}
      - name: a bubblewrap of the job's own on its PATH, for the next step's start
        run: |
${script(`
          for dir in $(echo "$PATH" | tr ':' ' '); do
            printf '#!/bin/sh\\necho escaped > ${data}/pwned-by-bwrap\\nexec /usr/bin/bwrap "$@"\\n' > "$dir/bwrap" 2>/dev/null && chmod +x "$dir/bwrap" && echo "PLANTED-BWRAP"
          done
          true
        `)}
      - name: leave a process
        run: |
${script(`
          setsid sh -c 'exec sleep 4242.5' > /dev/null 2>&1 < /dev/null &
          echo started-sleeper
          echo in-tmp > /tmp/kept
        `)}
      - name: still here within the job
        run: |
${script(`
          sleep 0.2
          if ps -e -o args | grep -q '^sleep 4242.5'; then echo "SLEEPER-ALIVE"; fi
          cat /tmp/kept
          echo home-file > "$HOME/.gitconfig-probe" && echo "HOME-WRITABLE"
        `)}
      - name: a cache entry holding the server's database path
        run: |
${script(`
          mkdir -p "${data}" && echo junk-from-the-job > "${data}/gantry.db"
        `)}
      - uses: actions/cache/save@v4
        with:
          path: ${data}/gantry.db
          key: evil-\${{ github.run_id }}
      - uses: actions/cache/restore@v4
        with:
          path: ${data}/gantry.db
          key: evil-\${{ github.run_id }}
      - name: a git hook for the next checkout
        run: |
${script(`
          git init -q . && git -c user.name=a -c user.email=a@b commit -q --allow-empty -m planted
          printf '#!/bin/sh\ntouch "${data}/pwned-by-hook"\n' > .git/hooks/post-checkout
          chmod +x .git/hooks/post-checkout
        `)}
      - uses: actions/checkout@v4
      - run: ln -s "${config}" config-link.txt && echo legit > legit.txt
      - uses: actions/upload-artifact@v4
        continue-on-error: true
        with:
          name: loot
          path: config-link.txt
      - uses: actions/upload-artifact@v4
        with:
          name: legit
          path: legit.txt
      - run: ln -s "${data}" drop
      - uses: actions/download-artifact@v4
        with:
          name: legit
          path: drop
      - id: plant
        run: |
${script(`
          echo "workspace-of-attack" > planted.txt
          echo "file=$PWD/planted.txt" >> "$GITHUB_OUTPUT"
        `)}
  neighbour:
    needs: attack
    runs-on: ubuntu-latest
    steps:
      - run: |
${script(`
          if cat "\${{ needs.attack.outputs.secret-file }}" 2>/dev/null; then echo "NEIGHBOUR-READ-OK"; else echo "NEIGHBOUR-READ-DENIED"; fi
        `)}
      - uses: actions/download-artifact@v4
        continue-on-error: true
        with:
          name: loot
      - run: echo "loot holds [$(cat config-link.txt 2>/dev/null)]"
`;
}

describe("gantry serve: jobs in the sandbox", () => {
  it("a hostile workflow reaches nothing of the server, and leaves nothing behind", async () => {
    const repo = makeRepo({ files: { "README.md": "app\n" } });
    // The server user's home, with a key in it: outside /tmp, which the sandbox replaces anyway.
    const serverHome = mkdtempSync("/var/tmp/gantry-server-home-");
    mkdirSync(join(serverHome, ".ssh"));
    writeFileSync(join(serverHome, ".ssh", "id_ed25519"), "PRIVATE KEY OF THE SERVER\n");
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  env: { RUNNER_EXTRA: from-config }\nsecrets:\n  DEPLOY_KEY: ${configSecret}\nhooks:\n  github_secret: ${hookSecret}\n`,
      token,
      [],
      { HOME: serverHome },
    );
    // The workflow needs the paths and pid: an attacker would guess them; the test knows them.
    const config = s.args[s.args.indexOf("--config") + 1];
    const pid = s.proc.pid as number;
    const workflow = hostile(s.data, config, pid, serverHome);
    mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
    writeFileSync(join(repo, ".github", "workflows", "hostile.yml"), workflow);
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "hostile");
    const { run, logs } = await runToEnd(s, "hostile.yml");
    const attack = logs.attack;
    // The server's own environment never reaches a step.
    expect(attack).not.toContain(token);
    expect(attack).not.toContain("GANTRY_ADMIN_TOKEN");
    expect(attack).not.toContain(configSecret);
    // Nor the database's URL, when it is PostgreSQL (its password would open the database).
    if (s.database) expect(attack).not.toContain(new URL(s.database).password);
    // Nor the config file, through links in place of the files the runner reads after a step.
    expect(attack).not.toContain(hookSecret);
    expect(attack).toContain("EXTRA is from-config");
    expect(attack).toMatch(/HOME is \/\S+\/home/);
    for (const denied of [
      "LIST-DATA",
      "READ-DB",
      "READ-KEY",
      "READ-CONFIG",
      "SEE-SERVER",
      "PPID-CONFIG",
      // Through the processes that hold the job's PID namespace (bubblewrap's init, its command).
      "PROC-ROOT-DATA",
      "PROC-ENVIRON",
      // Through the job's launcher (the compiled helper that starts its steps): not dumpable.
      "LAUNCHER-ROOT-DATA",
      "LAUNCHER-MEMORY",
      "SIGNAL-SERVER",
      "SERVER-KEY",
      "WRITE-HOST",
    ]) {
      // The step's header quotes its script, so only a line of output that is the marker counts.
      expect(attack).toMatch(new RegExp(`^\\S+ ${denied}-DENIED$`, "m"));
      expect(attack).not.toMatch(new RegExp(`^\\S+ ${denied}-OK$`, "m"));
    }
    // A background process lives as long as the job, as on GitHub's runner, and no longer.
    expect(attack).toContain("SLEEPER-ALIVE");
    // The server's build has the compiled helper when the machine has a C compiler (CI's has).
    if (existsSync(join(import.meta.dirname, "..", "dist", "spawn-helper")))
      expect(attack).toMatch(/^\S+ LAUNCHER-FOUND$/m);
    expect(attack).toContain("in-tmp");
    expect(attack).toContain("HOME-WRITABLE");
    expect(processesWith("sleep\u00004242.5")).toEqual([]);
    expect(logs.neighbour).toContain("NEIGHBOUR-READ-DENIED");
    expect(run.conclusion).toBe("success");
    // The database only grew by what the server wrote; the data directory is the server's alone.
    expect(statSync(s.data).mode & 0o777).toBe(0o700);
    // SQLite: the database file is the server's alone. PostgreSQL: there is none in the data directory,
    // and the job's writes to where it would be (and the cache entry restored there) did not make one.
    if (s.database) expect(existsSync(`${s.data}/gantry.db`)).toBe(false);
    else expect(statSync(`${s.data}/gantry.db`).mode & 0o777).toBe(0o600);
    // Built-in actions ran their tar and git as the job: a restored entry's paths and a hook the job
    // planted reached only the job's own view.
    expect(attack).toContain("Cache restored from key: evil-");
    expect(await clearTextInStore(s, ["junk-from-the-job"])).toEqual([]);
    expect(existsSync(`${s.data}/pwned-by-hook`)).toBe(false);
    // A `bwrap` the job put on its own PATH never starts a later step's process on the host.
    expect(attack).toContain("PLANTED-BWRAP");
    expect(existsSync(`${s.data}/pwned-by-bwrap`)).toBe(false);
    // Artifacts are copied as the job too: a link neither uploads the config nor downloads into the data.
    expect(logs.neighbour).toContain("loot holds [");
    expect(logs.neighbour).not.toContain(hookSecret);
    expect(existsSync(`${s.data}/legit.txt`)).toBe(false);
  });

  it.skipIf(!existsSync(join(import.meta.dirname, "..", "dist", "spawn-helper")))(
    "a step cannot kill its job's launcher; a launcher that dies fails its job, saying so, and the next job runs",
    async () => {
      const marker = `launcher-dies-${process.pid}-${Date.now()}`;
      const repo = makeRepo({
        files: {
          ".github/workflows/kill.yml": `name: Kill
on: workflow_dispatch
jobs:
  kill:
    runs-on: ubuntu-latest
    steps:
      - run: |
          tr '\\0' ' ' < /proc/1/cmdline; echo
          kill -9 1 || true
          for p in /proc/[0-9]*; do
            if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -qx -- '[^ ]* --sandbox '; then kill -KILL $(basename $p) || true; kill -TERM $(basename $p) || true; fi
          done
          sleep 1
          echo LAUNCHER-SURVIVED
      - run: exec -a ${marker} sleep 30
      - run: echo NEXT-STEP-RAN
`,
          ".github/workflows/next.yml": `name: Next
on: workflow_dispatch
jobs:
  next:
    runs-on: ubuntu-latest
    steps:
      - run: echo next-job-ran
`,
        },
      });
      const s = await serveWithConfig(
        `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
        token,
      );
      // The second step's process is the launcher's child: its parent on this host is the launcher,
      // which only something outside the sandbox (the OOM killer, an admin) can end.
      const ended = runToEnd(s, "kill.yml");
      const [sleeper] = await until(
        async () => processesWith(marker),
        (pids) => pids.length > 0,
      );
      const launcher = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${sleeper}/status`, "utf8"))?.[1]);
      expect(readFileSync(`/proc/${launcher}/cmdline`, "utf8")).toBe("/proc/self/fd/4\0--sandbox\0");
      process.kill(launcher, "SIGKILL");
      const killed = await ended;
      // The job's /proc/1 is the launcher, not bubblewrap's command line with the server's paths.
      expect(killed.logs.kill).toMatch(/^\S+ \/proc\/self\/fd\/4 --sandbox $/m);
      expect(killed.logs.kill).toMatch(/^\S+ LAUNCHER-SURVIVED$/m);
      expect(killed.run.conclusion).toBe("failure");
      expect(killed.logs.kill).toContain("the job's launcher exited");
      expect(killed.logs.kill).not.toMatch(/^\S+ NEXT-STEP-RAN$/m);
      const next = await runToEnd(s, "next.yml");
      expect(next.run.conclusion).toBe("success");
      expect(next.logs.next).toContain("next-job-ran");
    },
  );

  it("runs an ordinary project's CI in the sandbox: checkout, setup-node, npm ci, cache, artifacts", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": ORDINARY_WORKFLOW, ...ORDINARY_FILES } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      token,
    );
    expect(s.stderr()).not.toContain("without a sandbox");
    const { run, logs } = await runToEnd(s, "ci.yml");
    expect(logs.build).toContain("service says pong");
    expect(logs.test).toContain("built ordinary-app");
    expect(logs.test).toContain("restored cached");
    expect(run.conclusion).toBe("success");
  });

  it("a server killed mid-job leaves none of the job's processes behind, setsid or not", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/hold.yml": `name: Hold
on: workflow_dispatch
jobs:
  hold:
    runs-on: ubuntu-latest
    steps:
      - run: |
          setsid sh -c 'exec sleep 4444.5' > /dev/null 2>&1 < /dev/null &
          echo holding
          exec sleep 4545.5
`,
      },
    });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      token,
    );
    await api(s, token, "POST", "/repos/acme/app/actions/workflows/hold.yml/dispatches", { ref: "main" });
    await until(
      async () => processesWith("sleep\u00004545.5").length + processesWith("sleep\u00004444.5").length,
      (n) => n === 2,
    );
    s.proc.kill("SIGKILL");
    await exited(s.proc);
    await until(
      async () => processesWith("sleep\u00004545.5").length + processesWith("sleep\u00004444.5").length,
      (n) => n === 0,
    );
  });

  // Switching to another user needs a root server (CI runs as root); `nobody` is on every Debian.
  it.skipIf(process.getuid?.() !== 0)(
    "runs jobs as runners.user in the sandbox, where an ordinary CI passes",
    async () => {
      const repo = makeRepo({
        files: {
          ".github/workflows/ci.yml": ORDINARY_WORKFLOW,
          ".github/workflows/who.yml":
            'on: workflow_dispatch\njobs:\n  who:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo "user is $(id -un)"\n          cat "$DATA/gantry.db" > /dev/null || echo DB-CLOSED\n',
          ...ORDINARY_FILES,
        },
      });
      const config = (isolation: string) =>
        `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  user: nobody\n  isolation: ${isolation}\n`;
      const sandboxed = await serveWithConfig(config("sandbox"), token);
      const ordinary = await runToEnd(sandboxed, "ci.yml");
      expect(ordinary.logs.build, ordinary.logs.build).toContain("service says");
      expect(ordinary.logs.test).toContain("restored cached");
      expect(ordinary.run.conclusion).toBe("success");
      expect((await runToEnd(sandboxed, "who.yml")).logs.who).toContain("user is nobody");

      // Without the sandbox the job's folders would be inside the data directory (0700): refused.
      await expect(serveWithConfig(config("none"), token)).rejects.toThrow(/runners\.user needs the sandbox/);
    },
  );

  it("keeps each repository's caches its own: another repository can neither read nor poison them", async () => {
    const workflow = (what: string) =>
      `on: workflow_dispatch\njobs:\n  c:\n    runs-on: ubuntu-latest\n    steps:\n      - run: mkdir -p dep && echo ${what} > dep/file\n      - uses: actions/cache@v4\n        with:\n          path: dep\n          key: deps-\${{ github.run_id }}\n          restore-keys: deps-\n      - run: echo "dep holds $(cat dep/file)"\n`;
    const app = makeRepo({ files: { ".github/workflows/c.yml": workflow("from-app") } });
    const other = makeRepo({ files: { ".github/workflows/c.yml": workflow("from-other") } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${app} }\n  - { owner: acme, name: other, url: ${other} }\n`,
      token,
    );
    const run = async (repo: string) => {
      const id = (
        await api(s, token, "POST", `/repos/acme/${repo}/actions/workflows/c.yml/dispatches`, {
          ref: "main",
          return_run_details: true,
        })
      ).json.workflow_run_id as number;
      await until(
        () => api(s, token, "GET", `/repos/acme/${repo}/actions/runs/${id}`),
        (r) => r.json.status === "completed",
      );
      const job = (await api(s, token, "GET", `/repos/acme/${repo}/actions/runs/${id}/jobs`)).json.jobs[0];
      return (await api(s, token, "GET", `/repos/acme/${repo}/actions/jobs/${job.id}/logs`)).text;
    };
    expect(await run("app")).toContain("Cache not found");
    // The other repository's restore-keys match the app's entry by prefix, on the same branch.
    expect(await run("other")).toContain("Cache not found");
    expect(await run("app")).toContain("Cache restored from key: deps-");
  });

  it("download-artifact's run-id reaches another run of the job's own repository only", async () => {
    const workflow = `on:
  workflow_dispatch:
    inputs:
      from: { type: string, default: "" }
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "made by \${{ github.repository }}" > made.txt
      - uses: actions/upload-artifact@v4
        with:
          name: made
          path: made.txt
      - if: inputs.from != ''
        uses: actions/download-artifact@v4
        with:
          name: made
          path: fetched
          run-id: \${{ inputs.from }}
          github-token: any
      - if: inputs.from != ''
        run: echo "fetched [$(cat fetched/made.txt)]"
`;
    const app = makeRepo({ files: { ".github/workflows/a.yml": workflow } });
    const other = makeRepo({ files: { ".github/workflows/a.yml": workflow } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${app} }\n  - { owner: acme, name: other, url: ${other} }\n`,
      token,
    );
    const run = async (repo: string, from = "") => {
      const id = (
        await api(s, token, "POST", `/repos/acme/${repo}/actions/workflows/a.yml/dispatches`, {
          ref: "main",
          inputs: { from },
          return_run_details: true,
        })
      ).json.workflow_run_id as number;
      await until(
        () => api(s, token, "GET", `/repos/acme/${repo}/actions/runs/${id}`),
        (r) => r.json.status === "completed",
      );
      const job = (await api(s, token, "GET", `/repos/acme/${repo}/actions/runs/${id}/jobs`)).json.jobs[0];
      return {
        id,
        log: (await api(s, token, "GET", `/repos/acme/${repo}/actions/jobs/${job.id}/logs`)).text,
      };
    };
    const first = await run("app");
    expect((await run("app", String(first.id))).log).toContain("fetched [made by acme/app]");
    const stolen = await run("other", String(first.id));
    expect(stolen.log).toContain(`run ${first.id} is not a run of acme/other`);
    expect(stolen.log).not.toContain("fetched [made by acme/app]");
  });

  it("says so at start when jobs run without a sandbox, and refuses a sandbox it cannot make", async () => {
    const repo = makeRepo({ files: { "README.md": "app\n" } });
    const base = `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`;
    const none = await serveWithConfig(`${base}runners:\n  isolation: none\n`, token);
    expect(none.stderr()).toMatch(/warning: jobs run without a sandbox \(runners\.isolation is none\)/);
    // A host without bubblewrap: a PATH with git and node alone.
    const env = { PATH: pathWith(["git"]) };
    const missing = await serveWithConfig(base, token, [], env);
    expect(missing.stderr()).toMatch(/jobs run without a sandbox \(bubblewrap \(bwrap\) is not installed/);
    await expect(serveWithConfig(`${base}runners:\n  isolation: sandbox\n`, token, [], env)).rejects.toThrow(
      /runners\.isolation is sandbox, but bubblewrap \(bwrap\) is not installed/,
    );
  });
});
