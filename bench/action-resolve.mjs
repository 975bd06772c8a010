#!/usr/bin/env node
// How long resolving a remote action costs once it is pinned: that resolve is on the path of every
// step that uses the action. Measures, on a temp store holding one action (acme/x@v1):
//   - a pinned resolve by a fresh ActionStore (what the first step of a run pays: read the pin,
//     check the checkout exists; no git process),
//   - a pinned resolve by the same ActionStore (every later step of the run: memoized),
//   - one `git --version` process, the floor of anything that would run git instead.
// Prints medians of several rounds; nothing is asserted. Usage: node bench/action-resolve.mjs
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const base = mkdtempSync(join(tmpdir(), "gantry-bench-store-"));
const bundle = join(base, "action-store.mjs");
await build({
  entryPoints: [join(ROOT, "src/actions/action-store.ts")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "esm",
  logLevel: "warning",
});
const { ActionStore } = await import(pathToFileURL(bundle).href);

const work = join(base, "work");
mkdirSync(work);
const git = (...args) =>
  execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@b", ...args], { cwd: work });
git("init", "-q");
writeFileSync(join(work, "action.yml"), "name: x\nruns:\n  using: node20\n  main: index.js\n");
git("add", "-A");
git("commit", "-q", "-m", "x");
git("tag", "v1");
const root = join(base, "actions");
await new ActionStore(root).add("acme", "x", "v1", work);

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function perCall(n, fn) {
  const rounds = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    rounds.push(((performance.now() - t) / n) * 1000);
  }
  return median(rounds);
}

const fresh = await perCall(500, () => new ActionStore(root).resolve("acme", "x", "v1"));
const shared = new ActionStore(root);
const memo = await perCall(20000, () => shared.resolve("acme", "x", "v1"));
const gitProcess = await perCall(10, () => execFileSync("git", ["--version"]));
console.log("pinned resolve, fresh store (first step of a run)  %s µs", fresh.toFixed(1));
console.log("pinned resolve, same store (later steps)            %s µs", memo.toFixed(2));
console.log("one git process (floor of a git-based resolve)      %s µs", gitProcess.toFixed(0));
console.log("ratio git process / fresh pinned resolve            %s×", (gitProcess / fresh).toFixed(0));
rmSync(base, { recursive: true, force: true });
