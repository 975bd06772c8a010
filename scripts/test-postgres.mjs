// Runs every end-to-end test file that starts a server with GANTRY_TEST_POSTGRES=1, so that each of
// its servers keeps its state in a throwaway PostgreSQL cluster instead of SQLite. The files are the
// test/*.test.ts that import test/serve-harness.ts, themselves or through another helper of test/
// (web-ui-setup.ts): a new such file is in without editing a list. Arguments go on to vitest.
// The tests run dist/: build first (`npm run test:postgres` does).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = "test";
const imports = new Map(
  readdirSync(dir)
    .filter((name) => name.endsWith(".ts"))
    .map((name) => [
      name,
      [...readFileSync(join(dir, name), "utf8").matchAll(/from "\.\/([\w.-]+)\.js"/g)].map(
        (m) => `${m[1]}.ts`,
      ),
    ]),
);
const reaches = new Map();
/** Whether `name` imports serve-harness.ts, itself or through the files it imports. */
function startsServers(name, seen = new Set()) {
  if (name === "serve-harness.ts") return true;
  if (reaches.has(name)) return reaches.get(name);
  if (seen.has(name)) return false;
  seen.add(name);
  const found = (imports.get(name) ?? []).some((next) => startsServers(next, seen));
  reaches.set(name, found);
  return found;
}
const files = [...imports.keys()]
  .filter((name) => name.endsWith(".test.ts") && startsServers(name))
  .sort()
  .map((name) => join(dir, name));
if (files.length === 0) throw new Error("no test file imports test/serve-harness.ts");
process.stderr.write(`test:postgres: ${files.length} files with every server on PostgreSQL\n`);
const result = spawnSync("npx", ["vitest", "run", ...files, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, GANTRY_TEST_POSTGRES: "1" },
});
process.exit(result.status ?? 1);
