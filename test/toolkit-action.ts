import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** file: URLs of the real toolkit packages (devDependencies), for an action outside this repository. */
function packageUrl(name: string): string {
  try {
    return import.meta.resolve(name);
  } catch {
    return pathToFileURL(
      resolve(import.meta.dirname, "..", "node_modules", name, "lib", `${name.split("/")[1]}.js`),
    ).href;
  }
}

/**
 * A JavaScript action (action.yml and main.mjs, to put under `.github/actions/toolkit/`) that
 * drives the real @actions/cache and @actions/artifact: input `op` is save | restore | upload |
 * download | list | delete, with `paths` (lines), `key`, `restore-keys` (lines), `name`, `root`,
 * `files` (lines), `dest`. It fails when the toolkit reports a failure (a save that returns -1,
 * a restore that misses when `must-hit` is true) and sets outputs for the rest.
 */
export function toolkitAction(): Record<string, string> {
  const main = `
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
const op = (process.env.INPUT_OP ?? "").trim();
// Each package takes seconds to load: only the one the op needs.
const cache = ["save", "restore"].includes(op) ? await import(${JSON.stringify(packageUrl("@actions/cache"))}) : undefined;
const { DefaultArtifactClient } = cache ? {} : await import(${JSON.stringify(packageUrl("@actions/artifact"))});
const input = (n) => (process.env["INPUT_" + n.toUpperCase()] ?? "").trim();
const lines = (n) => input(n).split("\\n").map((l) => l.trim()).filter(Boolean);
const output = (k, v) => appendFileSync(process.env.GITHUB_OUTPUT, k + "=" + v + "\\n");
const fail = (m) => { console.log("::error::" + m); process.exitCode = 1; };
const artifacts = DefaultArtifactClient ? new DefaultArtifactClient() : undefined;
const ws = process.env.GITHUB_WORKSPACE;
switch (op) {
  case "save": {
    const id = await cache.saveCache(lines("paths"), input("key"));
    if (id === -1) fail("saveCache returned -1");
    output("id", id);
    break;
  }
  case "restore": {
    const hit = await cache.restoreCache(lines("paths"), input("key"), lines("restore-keys"));
    if (!hit && input("must-hit") === "true") fail("restoreCache missed");
    output("matched", hit ?? "");
    break;
  }
  case "upload": {
    const root = resolve(ws, input("root"));
    const res = await artifacts.uploadArtifact(input("name"), lines("files").map((f) => resolve(root, f)), root, { retentionDays: 3 });
    output("id", res.id);
    output("size", res.size);
    break;
  }
  case "download": {
    const { artifact } = await artifacts.getArtifact(input("name"));
    const res = await artifacts.downloadArtifact(artifact.id, { path: resolve(ws, input("dest")) });
    output("path", res.downloadPath);
    break;
  }
  case "list": {
    const { artifacts: list } = await artifacts.listArtifacts();
    output("names", list.map((a) => a.name).sort().join(","));
    break;
  }
  case "delete": {
    const { id } = await artifacts.deleteArtifact(input("name"));
    output("id", id);
    break;
  }
  default:
    fail("unknown op " + input("op"));
}
`;
  const manifest = `name: toolkit
description: drives @actions/cache and @actions/artifact
inputs:
  op: { required: true }
  paths: { required: false }
  key: { required: false }
  restore-keys: { required: false }
  must-hit: { required: false, default: "true" }
  name: { required: false }
  root: { required: false, default: "." }
  files: { required: false }
  dest: { required: false, default: "." }
runs:
  using: node20
  main: main.mjs
`;
  return { ".github/actions/toolkit/action.yml": manifest, ".github/actions/toolkit/main.mjs": main };
}
