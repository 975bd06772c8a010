#!/usr/bin/env node
// CPU time of `gantry run` for this checkout's build and another (`--base FILE`, an older commit's
// bin/gantry.js built in a folder of its own), taken in turns (the order alternating round by
// round), on a one-job workflow or a chain of jobs (`needs` the previous one, `run: "true"` each).
// CPU time (user + system of gantry and every process it waited for, from GNU time) grows less
// with the machine's load than wall time does, so on a busy machine it is the steadier measure of
// what a change costs. Note: a process gantry leaves running (the detached `rm` that deletes run
// folders since 0ea1230) is not waited for and not counted.
//
// Usage: node bench/cpu-ab.mjs --base FILE [--jobs N (1)] [--rounds N (10)]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chainWorkflow, childEnv, log, round, stats } from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    base: { type: "string" },
    jobs: { type: "string", default: "1" },
    rounds: { type: "string", default: "10" },
  },
});
if (!opts.base) throw new Error("--base FILE: the other build's bin/gantry.js");
const builds = { this: join(ROOT, "bin", "gantry.js"), base: resolve(opts.base) };
const JOBS = Number(opts.jobs);
const ROUNDS = Number(opts.rounds);

const tmp = mkdtempSync(join(tmpdir(), "gantry-cpu-ab-"));
const env = childEnv({ GANTRY_HOME: join(tmp, "gantry-home") });
const repo = join(tmp, "repo");
mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
writeFileSync(join(repo, ".github", "workflows", "chain.yml"), chainWorkflow(JOBS));
const git = (...args) => execFileSync("git", args, { cwd: repo, env, stdio: "ignore" });
git("init", "-q", "-b", "main");
git("add", ".");
git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "chain");

const samples = { this: [], base: [] };
const load = [loadavg()[0]];
try {
  for (let r = -1; r < ROUNDS; r++) {
    for (const name of r % 2 === 0 ? ["base", "this"] : ["this", "base"]) {
      // Each build's state apart: a start deletes the code caches of other builds in its folder.
      const out = spawnSync("/usr/bin/time", ["-f", "%e %U %S", process.execPath, builds[name], "run"], {
        cwd: repo,
        env: { ...env, GANTRY_HOME: join(tmp, `gantry-home-${name}`) },
        encoding: "utf8",
      });
      if (out.status !== 0) throw new Error(`${name}: gantry run exited ${out.status}\n${out.stderr}`);
      const [wall, user, sys] = out.stderr.trim().split("\n").pop().split(" ").map(Number);
      if (r >= 0) samples[name].push({ wallMs: wall * 1000, cpuMs: (user + sys) * 1000 });
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
load.push(loadavg()[0]);
const result = {};
for (const name of ["this", "base"]) {
  result[name] = {
    cpu: stats(samples[name].map((s) => s.cpuMs)),
    wall: stats(samples[name].map((s) => s.wallMs)),
  };
}
const added = stats(samples.this.map((s, i) => s.cpuMs - samples.base[i].cpuMs));
log(
  `${JOBS} job(s), ${ROUNDS} rounds, load ${load.map((l) => round(l, 2)).join(" → ")}\n` +
    `  CPU: this ${result.this.cpu.medianMs} ms (best ${result.this.cpu.bestMs}), base ${result.base.cpu.medianMs} ms ` +
    `(best ${result.base.cpu.bestMs}); this − base, median of rounds ${added.medianMs} ms ` +
    `(${round(added.medianMs / JOBS, 2)} ms a job), ratio of medians ${round(result.this.cpu.medianMs / result.base.cpu.medianMs, 3)}\n` +
    `  wall: this ${result.this.wall.medianMs} ms (best ${result.this.wall.bestMs}), base ${result.base.wall.medianMs} ms (best ${result.base.wall.bestMs})`,
);
