#!/usr/bin/env node
// Would "one sandbox per job, a small launcher inside it" cut a sandboxed job's CPU (issue 17)? A
// measurement of the design before building it, spawned from this process (no server, no helper):
//   bare      `bash --noprofile --norc -e -c true` spawned from Node.js: a step's own floor;
//   today     what JobSandbox does: a keeper (`bwrap … --unshare-pid -- cat`), then per step one
//             `bwrap` with the job's mounts joining its PID namespace (`--pidns`, `--proc /proc`,
//             `--cap-drop ALL`) running the step;
//   launcher  one `bwrap` per job with the job's mounts, `--unshare-pid --proc /proc --cap-drop ALL`,
//             running a bash launcher (below) that reads each step (cwd, argv, env) on its stdin,
//             starts it in a process group of its own with exactly that environment (bash builtins:
//             no `env` exec), its output on FIFOs made 4 steps at a time (one `mkfifo` exec), and
//             writes `exit ID CODE` on its stdout.
// Per step (one sandbox, --steps steps in it) and per one-step job (a sandbox each), taking turns
// round by round; CPU of the whole tree from a cgroup v1 `cpuacct` group of this process (root
// only: it counts what a namespace's init reaps, which /proc's cutime misses). Prints JSON lines;
// nothing is asserted.
//
// Options: --steps N (60)  --jobs N (30)  --rounds N (2)
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    steps: { type: "string", default: "60" },
    jobs: { type: "string", default: "30" },
    rounds: { type: "string", default: "2" },
  },
});

const LAUNCHER = `set -m
dir=$1
made=0
while IFS= read -r -d '' id; do
  IFS= read -r -d '' cwd; IFS= read -r -d '' argc
  argv=(); for ((i = 0; i < argc; i++)); do IFS= read -r -d '' a; argv+=("$a"); done
  IFS= read -r -d '' envc
  envs=(); for ((i = 0; i < envc; i++)); do IFS= read -r -d '' e; envs+=("$e"); done
  if ((id >= made)); then
    names=(); for ((i = made; i < made + 4; i++)); do names+=("$dir/$i.out" "$dir/$i.err"); done
    mkfifo -m 600 "\${names[@]}"; made=$((made + 4))
  fi
  exec 5<>"$dir/$id.out" 6<>"$dir/$id.err"
  (
    cd "$cwd" || exit 1
    for v in $(compgen -e); do unset "$v"; done
    export "\${envs[@]}"
    exec "\${argv[@]}" >&5 2>&6 5>&- 6>&-
  ) &
  pid=$!
  exec 5>&- 6>&-
  wait "$pid"; code=$?
  printf 'exit %s %s\\n' "$id" "$code"
done
`;

const root = mkdtempSync("/var/tmp/gantry-launcher-bench-");
for (const d of ["work", "home", "tmp", "launch"]) mkdirSync(join(root, d));
writeFileSync(join(root, "launcher.sh"), LAUNCHER);
const env = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`V${i}`, `value-${i}`]));
env.PATH = process.env.PATH ?? "/usr/bin:/bin";
const STEP = ["bash", "--noprofile", "--norc", "-e", "-c", "true"];
const mounts = ["--ro-bind", "/", "/", "--dev", "/dev", "--bind", join(root, "tmp"), "/tmp"];
for (const d of ["work", "home"]) mounts.push("--bind", join(root, d), join(root, d));

const group = "/sys/fs/cgroup/cpuacct/gantry-launcher-bench-" + process.pid;
mkdirSync(group);
writeFileSync(join(group, "cgroup.procs"), String(process.pid));
process.on("exit", () => {
  writeFileSync("/sys/fs/cgroup/cpuacct/cgroup.procs", String(process.pid));
  rmdirSync(group);
  rmSync(root, { recursive: true, force: true });
});
const cpuMs = () => Number(readFileSync(join(group, "cpuacct.usage"), "utf8")) / 1e6;

function run(command, args, fds = []) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe", ...fds], env, detached: true });
    child.stdout.resume();
    child.stderr.resume();
    child.on("close", resolve);
  });
}

async function bare(steps) {
  for (let i = 0; i < steps; i++) await run(STEP[0], STEP.slice(1));
}

async function today(steps) {
  const keeperArgs = ["--ro-bind", "/", "/", "--tmpfs", "/tmp", "--unshare-pid", "--die-with-parent"];
  const keeper = spawn("bwrap", [...keeperArgs, "--info-fd", "3", "--", "cat"], {
    stdio: ["pipe", "ignore", "ignore", "pipe"],
    env: { PATH: env.PATH },
  });
  let info = "";
  keeper.stdio[3].on("data", (c) => {
    info += c;
  });
  await new Promise((r) => keeper.stdio[3].on("end", r));
  const initPid = JSON.parse(info)["child-pid"];
  const fd = openSync(`/proc/${initPid}/ns/pid`, "r");
  const joined = [
    "--pidns",
    "3",
    "--proc",
    "/proc",
    "--cap-drop",
    "ALL",
    "--chdir",
    join(root, "work"),
    "--",
  ];
  for (let i = 0; i < steps; i++) await run("bwrap", [...mounts, ...joined, ...STEP], [fd]);
  process.kill(initPid, "SIGKILL");
  keeper.kill("SIGKILL");
  await new Promise((r) => keeper.on("close", r));
}

async function launcher(steps) {
  for (const f of readdirSync(join(root, "launch"))) rmSync(join(root, "launch", f));
  const own = [
    "--bind",
    join(root, "launch"),
    "/run",
    "--ro-bind",
    join(root, "launcher.sh"),
    "/tmp/.launcher.sh",
  ];
  const ns = ["--unshare-pid", "--proc", "/proc", "--cap-drop", "ALL", "--die-with-parent", "--chdir", "/"];
  const line = ["--", "bash", "--noprofile", "--norc", "/tmp/.launcher.sh", "/run"];
  const child = spawn("bwrap", [...mounts, ...own, ...ns, ...line], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { PATH: env.PATH },
  });
  let buffer = "";
  const waiting = [];
  child.stdout.setEncoding("utf8").on("data", (c) => {
    buffer += c;
    for (let at = buffer.indexOf("\n"); at >= 0; at = buffer.indexOf("\n")) {
      buffer = buffer.slice(at + 1);
      waiting.shift()?.();
    }
  });
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  for (let i = 0; i < steps; i++) {
    const fields = [
      String(i),
      join(root, "work"),
      String(STEP.length),
      ...STEP,
      String(pairs.length),
      ...pairs,
    ];
    const done = new Promise((r) => waiting.push(r));
    child.stdin.write(fields.map((f) => `${f}\0`).join(""));
    await done;
  }
  child.stdin.end();
  await new Promise((r) => child.on("close", r));
}

const steps = Number(opts.steps);
const jobs = Number(opts.jobs);
const contenders = [
  ["bare, per step", () => bare(steps), steps],
  ["today, per step", () => today(steps), steps],
  ["launcher, per step", () => launcher(steps), steps],
  [
    "today, per one-step job",
    async () => {
      for (let j = 0; j < jobs; j++) await today(1);
    },
    jobs,
  ],
  [
    "launcher, per one-step job",
    async () => {
      for (let j = 0; j < jobs; j++) await launcher(1);
    },
    jobs,
  ],
];
for (let round = 1; round <= Number(opts.rounds); round++) {
  for (const [name, fn, n] of contenders) {
    const cpu = cpuMs();
    const wall = performance.now();
    await fn();
    const figures = {
      round,
      name,
      treeCpuMs: +((cpuMs() - cpu) / n).toFixed(1),
      wallMs: +((performance.now() - wall) / n).toFixed(1),
    };
    console.log(JSON.stringify({ ...figures, load: loadavg()[0] }));
  }
}
