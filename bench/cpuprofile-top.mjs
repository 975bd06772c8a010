#!/usr/bin/env node
// Summarises V8 CPU profiles (`node --cpu-prof`): the functions with the most self time and the
// most total time (the time they or what they called were on the stack), in sampled milliseconds.
// Several files (or a folder of them) are added up.
//
//   node bench/cpuprofile-top.mjs FILE|DIR… [--top N] [--match REGEX] [--by-file]
//
// --match keeps, in the total-time table, only functions whose name or file matches (e.g.
// `spawn|execFile|prepare|writeSync`); --by-file adds self time per source file (dist chunks,
// node:internal modules). Nothing is asserted: it prints.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "30" },
    match: { type: "string" },
    "by-file": { type: "boolean", default: false },
  },
});
const TOP = Number(opts.top);
const files = positionals.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => join(p, f))
    : [p],
);
if (files.length === 0) {
  process.stderr.write("usage: node bench/cpuprofile-top.mjs FILE|DIR… [--top N] [--match REGEX]\n");
  process.exit(2);
}

const self = new Map();
const total = new Map();
const byFile = new Map();
let all = 0;
let idle = 0;
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const f = n.callFrame;
    const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : "";
    return `${f.functionName || "(anonymous)"} ${where}`.trim();
  };
  // Microseconds per node from the samples and their time deltas.
  const us = new Map();
  profile.samples.forEach((id, i) => add(us, id, profile.timeDeltas[i] ?? 0));
  for (const [id, t] of us) {
    const n = nodes.get(id);
    const ms = t / 1000;
    all += ms;
    const k = keyOf(n);
    if (n.callFrame.functionName === "(idle)") idle += ms;
    add(self, k, ms);
    add(byFile, n.callFrame.url ? basename(n.callFrame.url) : `(${n.callFrame.functionName})`, ms);
    // Each function once per stack, however deep it recurses.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf(nodes.get(at));
      if (seen.has(key)) continue;
      seen.add(key);
      add(total, key, ms);
    }
  }
}

const table = (title, m, filter) => {
  const rows = [...m]
    .filter(([k]) => !filter || filter.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP);
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of rows)
    process.stdout.write(
      `${v.toFixed(0).padStart(9)} ms ${((v / all) * 100).toFixed(1).padStart(5)} %  ${k}\n`,
    );
};
process.stdout.write(
  `${files.length} profile(s): ${all.toFixed(0)} ms sampled, ${idle.toFixed(0)} ms idle (${((idle / all) * 100).toFixed(1)} %)\n`,
);
table("Self time", self);
table(
  `Total time${opts.match ? ` (matching /${opts.match}/)` : ""}`,
  total,
  opts.match ? new RegExp(opts.match) : undefined,
);
if (opts["by-file"]) table("Self time by file", byFile);
