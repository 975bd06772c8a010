// Buildbot as a peer for bench/serve.mjs (section 5): one master and SLOTS workers on loopback, in
// temp dirs, from Debian's `buildbot` and `buildbot-worker` packages (installed with apt-get when
// missing and the bench runs as root). Debian packages no buildbot-www, so Buildbot has no web server
// here and no HTTP change hook: changes come in the way Buildbot's own git post-receive hook
// (contrib/git_buildbot.py) and `buildbot sendchange` send them, over Perspective Broker to a
// PBChangeSource. A small Twisted client (the same Sender class `buildbot sendchange` uses) stays
// connected and sends one change per line the bench writes, so no Python start is measured; one
// `buildbot sendchange` process per change is timed beside it (what a hook that starts Python costs).
//
// Builders: "first" runs `date +%s%N > MARKERS/<revision>` (as gantry's section 1 step), "many" runs
// `true` (as section 2's legs); an AnyBranchScheduler without a tree-stable timer starts a build per
// change. Buildbot runs one build of a builder per worker at a time, so SLOTS parallel builds take
// SLOTS workers (separate processes), each with max_builds=1.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const onPath = (tool) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;

/** Installs Debian's buildbot packages when missing (as root); returns why it cannot, or undefined. */
export function ensureBuildbot(log) {
  if (onPath("buildbot") && onPath("buildbot-worker")) return undefined;
  if (process.getuid?.() !== 0)
    return "buildbot is not installed (apt-get install buildbot buildbot-worker, as root)";
  log("   installing buildbot and buildbot-worker with apt-get …");
  const run = (args) =>
    spawnSync("apt-get", args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  if (run(["install", "-y", "buildbot", "buildbot-worker"]).status !== 0) {
    run(["update"]);
    if (run(["install", "-y", "buildbot", "buildbot-worker"]).status !== 0)
      return "apt-get could not install buildbot";
  }
  return undefined;
}

/** A free TCP port on loopback. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const SENDER = `# Sends one change per line of stdin ("project revision") to the master over PB; prints
# "sent REV" when the master has taken it (or "failed REV reason").
import sys
from twisted.internet import reactor, stdio
from twisted.protocols import basic
from buildbot.clients.sendchange import Sender
sender = Sender(sys.argv[1], auth=(sys.argv[2], sys.argv[3]))
class Lines(basic.LineReceiver):
    delimiter = b"\\n"
    def lineReceived(self, line):
        project, rev = line.decode().split()
        d = sender.send("main", rev, "bench", [], who="bench", repository="bench", project=project)
        d.addCallbacks(lambda _: print("sent " + rev, flush=True),
                       lambda f: print("failed " + rev + " " + f.getErrorMessage().replace("\\n", " "), flush=True))
    def connectionLost(self, reason):
        reactor.callLater(0.5, reactor.stop)
stdio.StandardIO(Lines())
reactor.run()
`;

/**
 * Starts a master and `slots` workers under `root`; resolves once every worker is attached. The
 * step of "first" writes `date +%s%N` into `markers`/<revision>.
 */
export async function startBuildbot({ root, slots, markers, env, log }) {
  const master = join(root, "master");
  const pbPort = await freePort();
  const py = (s) => JSON.stringify(s);
  execFileSync("buildbot", ["create-master", "-q", master], { env, stdio: "ignore" });
  const workerNames = Array.from({ length: slots }, (_, i) => `w${i}`);
  writeFileSync(
    join(master, "master.cfg"),
    `from buildbot.plugins import changes, schedulers, steps, util, worker
c = BuildmasterConfig = {}
c['title'] = 'bench'
c['buildbotNetUsageData'] = None
c['db'] = {'db_url': 'sqlite:///state.sqlite'}
c['protocols'] = {'pb': {'port': 'tcp:${pbPort}:interface=127.0.0.1'}}
c['workers'] = [worker.Worker(name, 'pass', max_builds=1) for name in ${py(workerNames)}]
c['change_source'] = [changes.PBChangeSource(user='bench', passwd='benchpw')]
# Every change its own build, as every push is a run in gantry: no merging of pending requests.
c['collapseRequests'] = False
c['schedulers'] = [
    schedulers.AnyBranchScheduler(name='first', builderNames=['first'], treeStableTimer=None,
                                  change_filter=util.ChangeFilter(project='first')),
    schedulers.AnyBranchScheduler(name='many', builderNames=['many'], treeStableTimer=None,
                                  change_filter=util.ChangeFilter(project='many')),
]
c['builders'] = [
    util.BuilderConfig(name='first', workernames=${py(workerNames)}, factory=util.BuildFactory([
        steps.ShellCommand(command=util.Interpolate(${py(`date +%%s%%N > ${markers}/%(prop:revision)s`)}))])),
    util.BuilderConfig(name='many', workernames=${py(workerNames)}, factory=util.BuildFactory([
        steps.ShellCommand(command=['true'])])),
]
`,
  );
  const children = [];
  const startChild = (args, name) => {
    const child = spawn(args[0], args.slice(1), { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr = (stderr + c).slice(-2000);
    });
    child.on("exit", (code, signal) => {
      if (!child.stopping)
        log(`   buildbot ${name} exited (${code ?? signal}): ${stderr.trim().slice(-400)}`);
    });
    children.push(child);
    return child;
  };
  startChild(["buildbot", "start", "--nodaemon", master], "master");
  for (const name of workerNames) {
    const dir = join(root, name);
    execFileSync("buildbot-worker", ["create-worker", "-q", dir, `127.0.0.1:${pbPort}`, name, "pass"], {
      env,
      stdio: "ignore",
    });
    startChild(["buildbot-worker", "start", "--nodaemon", dir], name);
  }
  // Attached: the master's log says so for each worker (it has no web server to ask).
  const masterLog = join(master, "twistd.log");
  const deadline = Date.now() + 180_000;
  for (;;) {
    const text = existsSync(masterLog) ? readFileSync(masterLog, "utf8") : "";
    const attached = workerNames.filter((n) => text.includes(`Worker ${n} attached to first`)).length;
    if (attached === slots) break;
    if (text.includes("BuildMaster startup failed"))
      throw new Error(`buildbot master failed: see ${masterLog}`);
    if (Date.now() > deadline)
      throw new Error(`buildbot: ${attached} of ${slots} workers attached after 180 s`);
    await sleep(200);
  }
  const sender = spawn("/usr/bin/python3", ["-c", SENDER, `127.0.0.1:${pbPort}`, "bench", "benchpw"], {
    env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(sender);
  const waiting = new Map();
  createInterface({ input: sender.stdout }).on("line", (line) => {
    const [word, rev, ...why] = line.split(" ");
    const done = waiting.get(rev);
    waiting.delete(rev);
    done?.(word === "sent" ? undefined : why.join(" "));
  });
  const db = new Database(join(master, "state.sqlite"), { readonly: true, timeout: 5000 });
  return {
    pbPort,
    master,
    /** Sends a change; resolves when the master has taken it (rejects with its reason). */
    send(project, revision) {
      return new Promise((resolve, reject) => {
        waiting.set(revision, (problem) => (problem ? reject(new Error(problem)) : resolve()));
        sender.stdin.write(`${project} ${revision}\n`);
      });
    },
    /** `buildbot sendchange` as one process: what a hook that starts Python pays per push. */
    sendchangeCli(project, revision) {
      const args = ["sendchange", "--master", `127.0.0.1:${pbPort}`, "--auth", "bench:benchpw"];
      args.push("--branch", "main", "--revision", revision, "--project", project, "--who", "bench");
      args.push("--repository", "bench", "--comments", "bench");
      return new Promise((resolve, reject) => {
        const child = spawn("buildbot", args, { env, stdio: "ignore" });
        child.once("exit", (code) =>
          code === 0 ? resolve() : reject(new Error(`sendchange exited ${code}`)),
        );
      });
    },
    /** Builds of `builder` completed so far, and their results (0 = success). */
    completed(builder) {
      const rows = db
        .prepare(
          "SELECT b.results AS results FROM builds b JOIN builders r ON r.id = b.builderid WHERE r.name = ? AND b.complete_at IS NOT NULL",
        )
        .all(builder);
      return { count: rows.length, succeeded: rows.filter((r) => r.results === 0).length };
    },
    /** Resident memory of the master and the workers, MiB (VmRSS). */
    memory() {
      const rss = (pid) => {
        try {
          return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
        } catch {
          return 0;
        }
      };
      return {
        masterRssMiB: Math.round(rss(children[0].pid) * 10) / 10,
        workersRssMiB: Math.round(children.slice(1, 1 + slots).reduce((a, c) => a + rss(c.pid), 0) * 10) / 10,
      };
    },
    async stop() {
      db.close();
      sender.stdin.end();
      for (const child of children.reverse()) {
        child.stopping = true;
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          await Promise.race([exited, sleep(10_000)]);
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        }
      }
    },
  };
}
