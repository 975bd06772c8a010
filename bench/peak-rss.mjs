// Preloaded into the measured gantry process with `node --import ./bench/peak-rss.mjs`.
// At exit it writes the process's own peak resident set size (getrusage ru_maxrss, KiB)
// to $GANTRY_BENCH_RSS_FILE. It cross-checks GNU time's %M and replaces it where
// /usr/bin/time is not installed.
import { writeFileSync } from "node:fs";

const out = process.env.GANTRY_BENCH_RSS_FILE;
if (out) {
  process.on("exit", () => {
    writeFileSync(out, `${process.resourceUsage().maxRSS}\n`);
  });
}
