import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { basename, join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compileC } from "../../test/compile-c.js";
import { commitFiles, makeRemote } from "../../test/git-remote.js";
import { git } from "../../test/harness.js";
import { PayloadError } from "./errors.js";
import { hookEvents, parseHookNotification } from "./git-hook.js";
import {
  compiledHookRuns,
  findBash,
  HOOK_CONFIG,
  HOOK_CURLRC,
  HookInstallError,
  type HookInstallOptions,
  hookScript,
  installHook,
} from "./hook-install.js";
import { fetchMirror } from "./mirror.js";
import { pushEvents } from "./push-events.js";
import { type RefUpdate, readRefs } from "./ref-updates.js";

const repo = { owner: "acme", name: "app", defaultBranch: "main" };
const A = "a".repeat(40);
const B = "b".repeat(40);

describe("parseHookNotification", () => {
  it("reads the repository, the pushed refs and the pusher", () => {
    const n = parseHookNotification({
      repository: { path: "/srv/git/app.git", full_name: "acme/app" },
      updates: `${A} ${B} refs/heads/main\n0000000000000000000000000000000000000000 ${B} refs/tags/v1\n`,
      pusher: { name: "alice" },
    });
    expect(n).toEqual({
      repository: { path: "/srv/git/app.git", full_name: "acme/app" },
      updates: [
        { ref: "refs/heads/main", before: A, after: B },
        { ref: "refs/tags/v1", before: "0".repeat(40), after: B },
      ],
      pusher: { name: "alice" },
    });
  });

  it.each([
    [{}, /repository: /],
    [{ repository: { path: "/x" } }, /updates: /],
    [{ repository: { path: "/x", full_name: "nope" }, updates: "" }, /full_name: must be owner\/name/],
    [{ repository: { path: "/x" }, updates: "" }, /no ref updates/],
    [{ repository: { path: "/x" }, updates: `${A} refs/heads/main` }, /line 1: expected "<old> <new> <ref>"/],
    [
      { repository: { path: "/x" }, updates: `${A} xyz refs/heads/main` },
      /line 1: new value 'xyz' is not an object id/,
    ],
    [{ repository: { path: "/x" }, updates: `\n${A} ${B} main` }, /line 2: 'main' is not a full ref name/],
  ])("rejects %j with the reason", (body, reason) => {
    expect(() => parseHookNotification(body)).toThrow(PayloadError);
    expect(() => parseHookNotification(body)).toThrow(reason);
  });
});

describe("hookEvents", () => {
  it("takes the pushed before and after from the notification, once", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const seen = readRefs(r.origin);
    const before = seen["refs/heads/main"];
    const after = commitFiles(r.work, { "a.txt": "2" });
    git(r.work, "push", "-q", "origin", "main");
    const notification = parseHookNotification({
      repository: { path: r.origin },
      updates: `${before} ${after} refs/heads/main\n`,
      pusher: { name: "alice", email: "alice@example.com" },
    });
    const first = await hookEvents({ gitDir: r.mirror, url: r.origin, repo, seen, notification });
    expect(first.events.map((e) => e.name)).toEqual(["push"]);
    expect(first.events[0].payload).toMatchObject({
      before,
      after,
      pusher: { name: "alice", email: "alice@example.com" },
    });
    expect(first.events[0].changedFiles()).toEqual(["a.txt"]);
    // The same notification again (or a poll that got there first): nothing new.
    const again = await hookEvents({ gitDir: r.mirror, url: r.origin, repo, seen: first.refs, notification });
    expect(again.events).toEqual([]);
  });

  it("catches up on pushes whose notification never arrived", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const seen = readRefs(r.origin);
    git(r.work, "push", "-q", "origin", "main:lost"); // its notification was lost
    const before = seen["refs/heads/main"];
    const after = commitFiles(r.work, { "a.txt": "2" });
    git(r.work, "push", "-q", "origin", "main");
    const notification = parseHookNotification({
      repository: { path: r.origin },
      updates: `${before} ${after} refs/heads/main`,
    });
    const { events } = await hookEvents({ gitDir: r.mirror, url: r.origin, repo, seen, notification });
    expect(events.map((e) => `${e.name} ${e.ref}`)).toEqual([
      "push refs/heads/main",
      "push refs/heads/lost",
      "create refs/heads/lost",
    ]);
  });

  it("takes the refs its fetch knows (a push copied in) rather than reading the mirror's", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const seen = readRefs(r.origin);
    git(r.work, "push", "-q", "origin", "main:other"); // in the mirror after the fetch below
    const before = seen["refs/heads/main"];
    const after = commitFiles(r.work, { "a.txt": "2" });
    git(r.work, "push", "-q", "origin", "main");
    const notification = parseHookNotification({
      repository: { path: r.origin },
      updates: `${before} ${after} refs/heads/main`,
    });
    const told = { "refs/heads/main": after };
    const { events, refs } = await hookEvents({
      gitDir: r.mirror,
      url: r.origin,
      repo,
      seen,
      notification,
      fetch: async () => {
        await fetchMirror(r.mirror, r.origin);
        return told;
      },
    });
    expect(refs).toEqual(told);
    expect(events.map((e) => `${e.name} ${e.ref}`)).toEqual(["push refs/heads/main"]);
  });
});

describe("a push's events", () => {
  it("peel each commit once, in one git process, and read the commits in one", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const seen = readRefs(r.origin);
    const before = seen["refs/heads/main"];
    const after = commitFiles(r.work, { "a.txt": "2" });
    git(r.work, "push", "-q", "origin", "main", `${before}:refs/heads/made-here`);
    await fetchMirror(r.mirror, r.origin);
    const notification = parseHookNotification({
      repository: { path: r.origin },
      updates: `${before} ${after} refs/heads/main\n${"0".repeat(40)} ${before} refs/heads/made-here\n`,
    });
    const trace = join(mkdtempSync(join(tmpdir(), "gantry-trace-")), "trace.txt");
    const was = process.env.GIT_TRACE;
    process.env.GIT_TRACE = trace;
    let events: Awaited<ReturnType<typeof hookEvents>>["events"];
    try {
      ({ events } = await hookEvents({
        gitDir: r.mirror,
        url: r.origin,
        repo,
        seen,
        notification,
        fetch: async () => {},
      }));
    } finally {
      if (was === undefined) delete process.env.GIT_TRACE;
      else process.env.GIT_TRACE = was;
    }
    const commands = readFileSync(trace, "utf8")
      .split("\n")
      .map((l) => /trace: built-in: git (\S+)/.exec(l)?.[1])
      .filter((c) => c !== undefined);
    // One peel for every id of both updates, one read of the commits per update, no rev-parse.
    expect(commands.filter((c) => c === "cat-file")).toHaveLength(1);
    expect(commands.filter((c) => c === "log")).toHaveLength(2);
    expect(commands).not.toContain("rev-parse");
    expect(events.map((e) => `${e.name} ${e.ref}`)).toEqual([
      "push refs/heads/main",
      "push refs/heads/made-here",
      "create refs/heads/made-here",
    ]);
    const [main, made] = events.map((e) => e.payload as Record<string, unknown>);
    expect(main).toMatchObject({ forced: false, head_commit: { id: after, message: "change" } });
    expect((main.commits as { id: string }[]).map((c) => c.id)).toEqual([after]);
    // A branch made at a commit another branch holds: its head commit, and no commit of its own.
    expect(made).toMatchObject({ created: true, forced: false, head_commit: { id: before }, commits: [] });
  });
});

/** The git commands run while `fn` ran (GIT_TRACE), by name. */
function gitCommands<T>(fn: () => T): { result: T; commands: string[] } {
  const trace = join(mkdtempSync(join(tmpdir(), "gantry-trace-")), "trace.txt");
  const was = process.env.GIT_TRACE;
  process.env.GIT_TRACE = trace;
  let result: T;
  try {
    result = fn();
  } finally {
    if (was === undefined) delete process.env.GIT_TRACE;
    else process.env.GIT_TRACE = was;
  }
  const text = existsSync(trace) ? readFileSync(trace, "utf8") : "";
  const commands = text
    .split("\n")
    .map((l) => /trace: built-in: git (\S+)/.exec(l)?.[1])
    .filter((c) => c !== undefined);
  return { result, commands };
}

describe("a push's events, from one walk of its commits", () => {
  it("tell a forced push from a fast-forward as merge-base does, without it", () => {
    const r = makeRemote({ "a.txt": "1" });
    const a = git(r.work, "rev-parse", "HEAD");
    const b = commitFiles(r.work, { "a.txt": "2" });
    const c = commitFiles(r.work, { "a.txt": "3" });
    git(r.work, "reset", "-q", "--hard", a);
    const rewritten = commitFiles(r.work, { "a.txt": "other" });
    git(r.work, "push", "-q", "--force", "origin", `${c}:refs/heads/main`, `${rewritten}:refs/heads/side`);
    const cases: Array<[string, string, boolean]> = [
      [a, c, false], // two commits on top
      [c, rewritten, true], // history rewritten
      [c, a, true], // moved back to an ancestor
    ];
    for (const [before, after, forced] of cases) {
      const isAncestor = (() => {
        try {
          git(r.origin, "merge-base", "--is-ancestor", before, after);
          return true;
        } catch {
          return false;
        }
      })();
      expect(!isAncestor).toBe(forced);
      const { result, commands } = gitCommands(() =>
        pushEvents({
          gitDir: r.origin,
          repo,
          updates: [{ ref: "refs/heads/main", before, after }],
          refsBefore: { "refs/heads/main": before },
        }),
      );
      expect(result[0].payload).toMatchObject({ before, after, forced });
      // The peel, and the walk that read the commits: no rev-list or merge-base (a branch moved back
      // brought no commit: its head commit is read on its own).
      expect(commands).toEqual(after === a ? ["cat-file", "log", "log"] : ["cat-file", "log"]);
    }
    const { result } = gitCommands(() =>
      pushEvents({
        gitDir: r.origin,
        repo,
        updates: [{ ref: "refs/heads/main", before: a, after: c }],
        refsBefore: { "refs/heads/main": a },
      }),
    );
    const payload = result[0].payload as { commits: { id: string; distinct: boolean }[] };
    expect(payload.commits.map((x) => [x.id, x.distinct])).toEqual([
      [b, true],
      [c, true],
    ]);
    expect(result[0].changedFiles()).toEqual(["a.txt"]);
  });

  it("mark commits another branch held as not distinct, and take the peeled ids the caller read", () => {
    const r = makeRemote({ "a.txt": "1" });
    const a = git(r.work, "rev-parse", "HEAD");
    const b = commitFiles(r.work, { "b.txt": "1" });
    const c = commitFiles(r.work, { "c.txt": "1" });
    git(r.work, "push", "-q", "origin", `${b}:refs/heads/feature`, `${c}:refs/heads/main`);
    const { result, commands } = gitCommands(() =>
      pushEvents({
        gitDir: r.origin,
        repo,
        updates: [{ ref: "refs/heads/main", before: a, after: c }],
        refsBefore: { "refs/heads/main": a, "refs/heads/feature": b },
        peeled: new Map([
          [a, a],
          [c, c],
        ]),
      }),
    );
    const payload = result[0].payload as { commits: { id: string; distinct: boolean }[] };
    expect(payload.commits.map((x) => [x.id, x.distinct])).toEqual([
      [b, false],
      [c, true],
    ]);
    expect(payload).toMatchObject({ forced: false, head_commit: { id: c, distinct: true } });
    // Nothing peeled by git; the walk, and the other branch's commits.
    expect(commands).toEqual(["log", "rev-list"]);
    // The changed files from the walk's count: the diff alone.
    const files = gitCommands(() => result[0].changedFiles());
    expect(files.result).toEqual(["b.txt", "c.txt"]);
    expect(files.commands).toEqual(["diff"]);
  });
});

/** The running processes' command lines and executables (what `ps` shows). */
function processes(): { pid: string; argv: string[]; exe: string }[] {
  const found: { pid: string; argv: string[]; exe: string }[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      found.push({ pid, argv, exe: readlinkSync(`/proc/${pid}/exe`) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

interface Received {
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The processes running while the request was answered (the hook and its curl among them). */
  running: { pid: string; argv: string[]; exe: string }[];
}

/** A loopback server that records hook requests and answers with `status`. */
async function listen(status: number) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      requests.push({ url: req.url ?? "", headers: req.headers, body, running: processes() });
      res.writeHead(status).end(status === 202 ? "" : "the server says no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/**
 * Pushes main with one new commit (and `refspecs` besides, in the same push); returns git push's
 * exit code and stderr. Asynchronously: the loopback server answering the hook runs in this process.
 */
async function push(
  work: string,
  refspecs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stderr: string; before: string; after: string }> {
  const before = git(work, "rev-parse", "HEAD");
  const after = commitFiles(work, { "pushed.txt": String(Math.random()) });
  return new Promise((resolve) => {
    const child = spawn("git", ["push", "origin", "main", ...refspecs], {
      cwd: work,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => resolve({ code, stderr, before, after }));
  });
}

/** The compiled hook as the build makes it (static where it links); not tested without a C compiler. */
const compiledHook = compileC(resolve(import.meta.dirname, "post-receive-hook.c"), { linkStatic: true });

// The three forms of the hook: bash's (no awk, and no curl for a server on this host), the compiled
// one for a server on this host (no shell at all), and the POSIX shell's for a host without bash
// (awk and curl).
describe.each([
  ["bash", { compiled: false }],
  ["compiled", { compiled: compiledHook ?? "" }],
  ["POSIX shell", { shell: "sh" }],
] as const)("gantry's post-receive hook (%s)", (form, hookOptions: Partial<HookInstallOptions>) => {
  if (form === "compiled" && !compiledHook) return;
  const shell = hookOptions.shell;
  const compiled = hookOptions.compiled;
  it("posts the pushed refs, the repository and the token to /hooks/git", async () => {
    const server = await listen(202);
    closers.push(server.close);
    const r = makeRemote({ "a.txt": "1" });
    // A token with the characters curl's config quotes (the bash form reads them back).
    const token = 's3"cr\\et';
    const hook = installHook({
      repo: r.origin,
      server: `${server.url}/`,
      token,
      name: "acme/app",
      shell,
      compiled,
    });
    expect(statSync(hook).mode & 0o777).toBe(0o755);
    expect(statSync(join(r.origin, HOOK_CONFIG)).mode & 0o777).toBe(0o600);
    expect(statSync(join(r.origin, HOOK_CURLRC)).mode & 0o777).toBe(0o600);
    // Nor in the hook file (the compiled one: its bytes, in which "s3" may well occur as code).
    if (form === "compiled") {
      expect(readFileSync(hook)).toEqual(readFileSync(compiledHook ?? ""));
      expect(readFileSync(hook, "latin1")).not.toContain("cr\\et");
    } else expect(readFileSync(hook, "utf8")).not.toContain("s3");
    const p = await push(r.work);
    expect(p.code, p.stderr).toBe(0);
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.url).toBe("/hooks/git");
    expect(req.headers.authorization).toBe(`Bearer ${token}`);
    const n = parseHookNotification(JSON.parse(req.body));
    expect(n.repository).toEqual({ path: realpathSync(r.origin), full_name: "acme/app" });
    expect(n.updates).toEqual([{ ref: "refs/heads/main", before: p.before, after: p.after }]);
    expect(n.pusher?.name).toBeTruthy();
    // The hook is a shell script, no Node.js process: what runs it while it waits for the answer.
    const hookProcess = req.running.find((p) => p.argv.some((a) => a.endsWith("post-receive")));
    expect(hookProcess?.exe).toBeDefined();
    expect(basename(hookProcess?.exe ?? "")).toMatch(
      form === "compiled" ? /^post-receive$/ : /^(?:sh|dash|bash|busybox)$/,
    );
    // The POSIX shell's sends with curl; bash's and the compiled to a server on this host need
    // neither curl nor awk.
    // No process shows the token on its command line.
    const started = req.running.filter((p) => ["curl", "awk", "mawk", "gawk"].includes(basename(p.exe)));
    expect(started.map((p) => basename(p.exe))).toEqual(form === "POSIX shell" ? ["curl"] : []);
    expect(req.running.filter((p) => p.argv.some((a) => a.includes("s3")))).toEqual([]);
  });

  it("names the pusher by the user's account when the environment names no user", async () => {
    const server = await listen(202);
    closers.push(server.close);
    const r = makeRemote({ "a.txt": "1" });
    installHook({ repo: r.origin, server: server.url, shell, compiled });
    // An `id` first on PATH that says when it ran: bash reads the passwd entry itself.
    const bin = mkdtempSync(join(tmpdir(), "gantry-hook-bin-"));
    const ran = join(bin, "id-ran");
    writeFileSync(join(bin, "id"), `#!/bin/sh\n: > '${ran}'\nexec /usr/bin/id "$@"\n`, { mode: 0o755 });
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    for (const name of ["USER", "LOGNAME", "GL_USERNAME", "GITEA_PUSHER_NAME", "REMOTE_USER"])
      delete env[name];
    const p = await push(r.work, [], env);
    expect(p.code, p.stderr).toBe(0);
    const n = parseHookNotification(JSON.parse(server.requests[0].body));
    expect(n.pusher).toEqual({ name: userInfo().username });
    expect(existsSync(ran)).toBe(form === "POSIX shell");
    rmSync(bin, { recursive: true, force: true });
  });

  it("posts every ref of a push, refs, path and pusher with odd characters, and no token when none is set", async () => {
    const server = await listen(202);
    closers.push(server.close);
    const r = makeRemote({ "a.txt": "1" });
    // A bare repository whose path needs escaping in JSON and quoting in the shell.
    const odd = join(mkdtempSync(join(tmpdir(), "gantry-hook-")), `we"ird 'dir' $HOME \\ é\t.git`);
    git(r.work, "clone", "-q", "--bare", r.origin, odd);
    git(r.work, "remote", "set-url", "origin", odd);
    installHook({ repo: odd, server: server.url, name: "acme/it's", shell, compiled });
    const refs = [
      'refs/heads/feat/"quoted"',
      "refs/heads/it's-$HOME-{x}",
      "refs/tags/v1.0-ü",
      "refs/heads/a,b;c|d",
    ];
    for (const ref of refs) git(r.work, "update-ref", ref, "HEAD");
    const env = { ...process.env, GL_USERNAME: 'al"ice\\ 😀', GITEA_PUSHER_EMAIL: "alice@example.com" };
    const p = await push(
      r.work,
      refs.map((ref) => `${ref}:${ref}`),
      env,
    );
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toContain("gantry:");
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers["content-type"]).toBe("application/json");
    const n = parseHookNotification(JSON.parse(req.body));
    expect(n.repository).toEqual({ path: realpathSync(odd), full_name: "acme/it's" });
    expect(n.pusher).toEqual({ name: 'al"ice\\ 😀', email: "alice@example.com" });
    const zero = "0".repeat(40);
    // The new refs point at the commit before the push's (update-ref ran before the commit).
    const sorted = (xs: RefUpdate[]): RefUpdate[] => [...xs].sort((a, b) => a.ref.localeCompare(b.ref));
    expect(sorted(n.updates)).toEqual(
      sorted([
        { ref: "refs/heads/main", before: p.before, after: p.after },
        ...refs.map((ref) => ({ ref, before: zero, after: p.before })),
      ]),
    );
  });

  it("never fails the push when the server is down or refuses", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const down = await listen(202);
    await down.close(); // nothing listens on that port any more
    installHook({ repo: r.origin, server: down.url, shell, compiled });
    const p = await push(r.work);
    expect(p.code).toBe(0);
    expect(p.stderr).toMatch(
      /gantry: could not notify the server at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(the push itself went through\)/,
    );
    expect(git(r.origin, "rev-parse", "main")).toBe(p.after);

    const refusing = await listen(401);
    closers.push(refusing.close);
    installHook({ repo: r.origin, server: refusing.url, shell, compiled });
    const q = await push(r.work);
    expect(q.code).toBe(0);
    expect(q.stderr).toMatch(/answered 401: the server says no \(the push itself went through\)/);

    // Without its settings the hook says so, and the push stands.
    rmSync(join(r.origin, HOOK_CURLRC));
    const s = await push(r.work);
    expect(s.code).toBe(0);
    expect(s.stderr).toContain("gantry: no server to notify: cannot read");
    expect(refusing.requests).toHaveLength(1);
  });
});

describe("gantry's post-receive hook", () => {
  it.each([
    ["bash", false],
    ["the compiled hook", compiledHook],
  ] as const)(
    "in %s, gives up on a server that does not answer within the time limit",
    async (_, compiled) => {
      if (compiled === undefined) return;
      // Takes the connection and never answers.
      const sockets: Socket[] = [];
      const silent = createNetServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      closers.push(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      });
      const r = makeRemote({ "a.txt": "1" });
      installHook({
        repo: r.origin,
        server: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        compiled,
      });
      const p = await push(r.work);
      expect(p.code).toBe(0);
      expect(p.stderr).toMatch(
        /could not notify the server at \S+: no answer within 5 s \(the push itself went through\)/,
      );
      expect(git(r.origin, "rev-parse", "main")).toBe(p.after);
    },
  );

  it("in bash, sends through curl to a server on another host or over https", () => {
    for (const server of ["http://ci.example.com:8080", "https://127.0.0.1:8443", "http://10.0.0.1"]) {
      const script = hookScript(server, undefined, "/bin/bash");
      expect(script.startsWith("#!/bin/bash\n")).toBe(true);
      expect(script).toContain("curl -q -s -K");
      expect(script).not.toContain("/dev/tcp");
    }
    const local = hookScript("http://localhost:8080/ci", undefined, "/bin/bash");
    expect(local).toContain("/dev/tcp/'localhost'/8080");
    expect(local).toContain("'/ci/hooks/git'");
    expect(local).not.toContain("curl -q");
    expect(hookScript("http://127.0.0.1:8080", undefined).startsWith("#!/bin/sh\n")).toBe(true);
  });

  it("refuses a repository that is not bare, a bad URL and someone else's hook", () => {
    const r = makeRemote({ "a.txt": "1" });
    expect(() => installHook({ repo: r.work, server: "http://127.0.0.1:1" })).toThrow(
      /not a bare git repository/,
    );
    expect(() => installHook({ repo: r.origin, server: "ftp://x" })).toThrow(/must be an http/);
    expect(() => installHook({ repo: r.origin, server: "http://x", token: "a b\nheader: x" })).toThrow(
      /--token must be printable ASCII without spaces/,
    );
    expect(() => installHook({ repo: r.origin, server: "http://x", name: "app" })).toThrow(
      /must be owner\/name/,
    );
    const own = join(r.origin, "hooks", "post-receive");
    writeFileSync(own, "#!/bin/sh\necho mine\n");
    expect(() => installHook({ repo: r.origin, server: "http://x" })).toThrow(HookInstallError);
    expect(readFileSync(own, "utf8")).toContain("mine");
    installHook({ repo: r.origin, server: "http://x", force: true });
    expect(existsSync(own) && readFileSync(own, "utf8")).toContain("gantry post-receive hook");
  });
});

/** A loopback listener that keeps each request's bytes as they came and answers `answer` raw. */
async function rawListener(answer: string | Buffer) {
  const requests: Buffer[] = [];
  let connections = 0;
  const server = createNetServer((socket) => {
    connections++;
    let got = Buffer.alloc(0);
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(got.subarray(0, end).toString("latin1"))?.[1] ?? 0);
      if (got.length < end + 4 + length) return;
      requests.push(got);
      socket.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url, requests, connections: () => connections, close };
}

/** Runs a post-receive hook as git does (in the repository, GIT_DIR=.), `input` on its stdin. */
function runHook(
  hook: string,
  cwd: string,
  input: Buffer,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(hook, [], { cwd, env: { ...env, GIT_DIR: "." }, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

describe.skipIf(!compiledHook || !findBash())("the compiled post-receive hook beside the bash one", () => {
  const compiled = compiledHook ?? "";
  /**
   * A bare repository at a path that needs escaping, reached through a symbolic link (the hooks
   * name its physical path), with both hooks installed for `server`: the bash one kept aside.
   */
  function twoHooks(server: string, options: { name?: string; token?: string } = {}) {
    const top = mkdtempSync(join(tmpdir(), "gantry-hook-ab-"));
    const repo = join(top, `we"ird 'dir' \\ \x01 é\t.git`);
    execFileSync("git", ["init", "-q", "--bare", repo]);
    const link = join(top, "link");
    execFileSync("ln", ["-s", repo, link]);
    const bash = join(top, "bash-hook");
    const hook = installHook({ repo, server, ...options, compiled: false });
    expect(readFileSync(hook, "utf8").startsWith("#!/")).toBe(true);
    writeFileSync(bash, readFileSync(hook), { mode: 0o755 });
    installHook({ repo, server, ...options, compiled });
    expect(readFileSync(hook)).toEqual(readFileSync(compiled));
    return { repo, link, bash, compiled: hook };
  }

  const zero = "0".repeat(40);
  // Lines as post-receive could never get them from git, and some it does: white space alone (left
  // out), every control character, quotes, backslashes, DEL, bytes past ASCII and not UTF-8, a NUL
  // (bash's read drops it), a carriage return, and a last line without its newline.
  const input = Buffer.concat([
    Buffer.from(`${zero} ${"a".repeat(40)} refs/heads/main\n   \t\r\n\n\v\f\n`),
    Buffer.from(`${zero} ${"b".repeat(40)} refs/heads/"q"\\b\\\\c'$HOME\`x\`\n`),
    Buffer.from([
      ...Array.from({ length: 31 }, (_, i) => i + 1).filter((b) => b !== 10),
      0x7f,
      0x22,
      0x5c,
      10,
    ]),
    Buffer.from([0x80, 0xc3, 0x28, 0xff, 0xfe, 0x20, 0x61, 0x00, 0x62, 0x0d, 10]),
    Buffer.from("refs/tags/v1.0-ü 😀 last line without a newline"),
  ]);
  const hostileEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    const out = { ...process.env, ...env };
    for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
    return out;
  };
  const envs: [string, NodeJS.ProcessEnv][] = [
    [
      "a pusher and email with quotes, backslashes, control characters",
      { GL_USERNAME: 'al"ice\\ \x01\x1f\x7f 😀 é', GITEA_PUSHER_EMAIL: 'a"\\\t\n@x' },
    ],
    [
      "no user named (the passwd entry's)",
      { USER: undefined, LOGNAME: undefined, GITEA_PUSHER_EMAIL: "e@x" },
    ],
    ["empty variables skipped", { USER: "", LOGNAME: "lo\\gname", REMOTE_USER: "", GL_USERNAME: "" }],
  ];

  it.each(envs)("sends the bash hook's request byte for byte: %s", async (_, env) => {
    const server = await rawListener("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    closers.push(server.close);
    const h = twoHooks(`${server.url}/`, { name: "acme/it's\"\\\x01é", token: 's3"cr\\et' });
    for (const name of [
      "USER",
      "LOGNAME",
      "GL_USERNAME",
      "GITEA_PUSHER_NAME",
      "REMOTE_USER",
      "GITEA_PUSHER_EMAIL",
    ])
      if (!(name in env)) env[name] = undefined;
    const full = hostileEnv(env);
    const a = await runHook(h.bash, h.link, input, full);
    const b = await runHook(h.compiled, h.link, input, full);
    expect(a).toEqual({ code: 0, stderr: "" });
    expect(b).toEqual({ code: 0, stderr: "" });
    expect(server.requests).toHaveLength(2);
    const [fromBash, fromCompiled] = server.requests;
    expect(fromCompiled.toString("latin1")).toBe(fromBash.toString("latin1"));
    // Valid JSON, which reads back as what was sent (the server refuses the hostile lines later).
    const body = JSON.parse(fromBash.subarray(fromBash.indexOf("\r\n\r\n") + 4).toString("utf8"));
    expect(body.repository).toEqual({ path: realpathSync(h.repo), full_name: "acme/it's\"\\\x01é" });
    expect(body.updates.split("\n")[0]).toBe(`${zero} ${"a".repeat(40)} refs/heads/main`);
    if (env.GL_USERNAME)
      expect(body.pusher).toEqual({ name: env.GL_USERNAME, email: env.GITEA_PUSHER_EMAIL });
    expect(fromBash.toString("latin1")).toContain('Authorization: Bearer s3"cr\\et\r\n');
  });

  it("without a name or a token, sends what bash sends", async () => {
    const server = await rawListener("HTTP/1.0 200 OK\r\n\r\n");
    closers.push(server.close);
    const h = twoHooks(server.url);
    const line = Buffer.from(`${zero} ${"c".repeat(40)} refs/heads/x\n`);
    expect(await runHook(h.bash, h.repo, line, process.env)).toEqual({ code: 0, stderr: "" });
    expect(await runHook(h.compiled, h.repo, line, process.env)).toEqual({ code: 0, stderr: "" });
    expect(server.requests[1].toString("latin1")).toBe(server.requests[0].toString("latin1"));
    expect(server.requests[0].toString("latin1")).not.toContain("Authorization");
  });

  it.each([
    ["401", "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\n\r\nthe server says no"],
    ["500 with a long body", `HTTP/1.1 500 Oops\r\nX: y\r\n\r\n${"é".repeat(150)}\nmore`],
    ["an answer that is not HTTP", "garbage here\nand more"],
    ["a status line alone", "HTTP/1.1 404 Not Found\r\n"],
    ["the connection closed without an answer", ""],
  ])("says what bash says when the server answers %s, and the push stands", async (_, answer) => {
    const server = await rawListener(answer);
    closers.push(server.close);
    const h = twoHooks(server.url, { token: "t" });
    const line = Buffer.from(`${zero} ${"d".repeat(40)} refs/heads/y\n`);
    const a = await runHook(h.bash, h.repo, line, process.env);
    const b = await runHook(h.compiled, h.repo, line, process.env);
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/^gantry: .* \(the push itself went through\)\n$/s);
    expect(b).toEqual(a);
  });

  it("says what bash says when the server is down, and sends nothing when no ref was updated", async () => {
    const down = await rawListener("");
    await down.close();
    const h = twoHooks(down.url);
    const line = Buffer.from(`${zero} ${"e".repeat(40)} refs/heads/z\n`);
    const a = await runHook(h.bash, h.repo, line, process.env);
    const b = await runHook(h.compiled, h.repo, line, process.env);
    expect(a.stderr).toMatch(
      /could not notify the server at \S+: ECONNREFUSED \(the push itself went through\)/,
    );
    expect(b).toEqual(a);

    const server = await rawListener("HTTP/1.1 202 Accepted\r\n\r\n");
    closers.push(server.close);
    const g = twoHooks(server.url);
    for (const empty of ["", "\n", " \t\r\n\n", "\0\n"]) {
      expect(await runHook(g.compiled, g.repo, Buffer.from(empty), process.env)).toEqual({
        code: 0,
        stderr: "",
      });
      expect(await runHook(g.bash, g.repo, Buffer.from(empty), process.env)).toEqual({ code: 0, stderr: "" });
    }
    expect(server.connections()).toBe(0);

    // Without its settings file, each says so.
    rmSync(join(g.repo, HOOK_CURLRC));
    const c = await runHook(g.compiled, g.repo, line, process.env);
    expect(c.code).toBe(0);
    expect(c).toEqual(await runHook(g.bash, g.repo, line, process.env));
    expect(c.stderr).toContain(
      `gantry: no server to notify: cannot read ${realpathSync(g.repo)}/${HOOK_CURLRC}`,
    );
  });

  it("is installed only when it runs here and the server is at an address of this host over http; else the script", () => {
    expect(compiledHookRuns(compiled)).toBe(true);
    const r = makeRemote({ "a.txt": "1" });
    const dir = mkdtempSync(join(tmpdir(), "gantry-hook-not-"));
    const foreign = join(dir, "foreign"); // another machine's binary: exec fails
    writeFileSync(foreign, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...Array(56).fill(0)]), {
      mode: 0o755,
    });
    const other = join(dir, "other"); // runs, but is not gantry's hook
    writeFileSync(other, "#!/bin/sh\necho something else\n", { mode: 0o755 });
    const unexecutable = join(dir, "unexecutable");
    writeFileSync(unexecutable, readFileSync(compiled), { mode: 0o644 });
    const isScript = (hook: string) => readFileSync(hook, "utf8").startsWith(`#!${findBash()}\n`);
    for (const path of [join(dir, "missing"), foreign, other, unexecutable])
      expect(
        isScript(installHook({ repo: r.origin, server: "http://127.0.0.1:9", compiled: path })),
        path,
      ).toBe(true);
    for (const server of [
      "https://127.0.0.1:8443",
      "http://ci.example.com:8080",
      "http://u:p@127.0.0.1:9",
      "http://localhost:9",
    ])
      expect(isScript(installHook({ repo: r.origin, server, compiled })), server).toBe(true);
    for (const server of ["http://127.0.0.1:9", "http://127.1.2.3:9/ci/", "http://[::1]:9"]) {
      const hook = installHook({ repo: r.origin, server, compiled, token: "s3cret" });
      expect(readFileSync(hook), server).toEqual(readFileSync(compiled));
      expect(statSync(hook).mode & 0o777).toBe(0o755);
      expect(readFileSync(hook, "latin1")).not.toContain("s3cret");
      // Installed again over itself without --force: it is gantry's.
      installHook({ repo: r.origin, server, compiled });
    }
    // The file renamed into place is a new one: a link planted at its name is not written through.
    const outside = join(dir, "outside");
    writeFileSync(outside, "untouched");
    symlinkSync(outside, join(r.origin, "hooks", `.post-receive.gantry-${process.pid}`));
    installHook({ repo: r.origin, server: "http://127.0.0.1:9", compiled });
    installHook({ repo: r.origin, server: "http://127.0.0.1:9", compiled: false });
    expect(readFileSync(outside, "utf8")).toBe("untouched");
    // No leftover from the renames.
    expect(readdirSync(join(r.origin, "hooks")).filter((f) => f.includes("gantry"))).toEqual([]);
  });
});
