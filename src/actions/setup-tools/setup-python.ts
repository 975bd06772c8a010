import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ActionStepRequest, ActionStepResult } from "../../runner/index.js";
import { findOnPath } from "../../runner/index.js";
import { runCommand } from "../../sandbox/index.js";
import type { CacheStore } from "../stores.js";
import { needStore, restoreDependencies } from "./dependency-cache.js";
import { pythonDependencyCache } from "./dependency-plans.js";
import {
  booleanInput,
  readVersionFile,
  runnerTemp,
  StepEffects,
  toolCacheRoot,
  warnOfflineInputs,
} from "./file-commands.js";
import { type Resolved, resolveTool } from "./resolve-tool.js";
import { listToolCache, probe, toolArch } from "./tool-cache.js";
import { pythonVersionsFromFile } from "./version-files.js";
import { checkSpec, pickHighest, pythonSpecToSemver, pythonVersionToSemver } from "./versions.js";

const PROBE = "import sys, platform; print(platform.python_version()); print(sys.prefix)";

/**
 * The built-in actions/setup-python: CPython from the runner's tool cache
 * (`<toolcache>/Python/<version>/<arch>`) or the host's PATH, never downloaded.
 */
export async function setupPython(
  req: ActionStepRequest,
  deps: { cache?: CacheStore } = {},
): Promise<ActionStepResult> {
  const fx = new StepEffects(req);
  try {
    warnOfflineInputs(fx, req, "setup-python");
    const specs = versionSpecs(req, fx);
    if (!specs.length) return { ok: true };
    const allowPre = booleanInput(req, "allow-prereleases");
    const update = (req.inputs["update-environment"]?.trim().toLowerCase() ?? "true") !== "false";
    let outputs: Record<string, string> = {};
    for (const raw of specs) {
      if (/^(pypy|graalpy)/i.test(raw)) {
        return {
          ok: false,
          error: `python-version '${raw}': gantry's built-in setup-python sets up CPython only (from the tool cache or the host); install ${raw} on the host and call it directly`,
        };
      }
      const freethreaded = raw.endsWith("t") || booleanInput(req, "freethreaded");
      const spec = pythonSpecToSemver(raw.replace(/t$/, ""), allowPre);
      checkSpec(spec, "Python");
      const archName = toolArch(req.inputs.architecture) + (freethreaded ? "-freethreaded" : "");
      const resolved = await resolveTool({
        tool: "Python",
        command: "python3",
        want: raw,
        arch: archName,
        listing: listToolCache(toolCacheRoot(req), "Python", archName),
        pick: (candidates) => ({ chosen: pickHighest(candidates, spec) }),
        host: () => hostPython(fx.env),
        log: (l) => fx.info(l),
      });
      outputs = await apply(req, fx, resolved, update);
    }
    const cache = req.inputs.cache?.trim() ?? "";
    if (cache) {
      const store = needStore(req, deps.cache, `cache: ${cache}`);
      const dependencyPath = req.inputs["cache-dependency-path"] ?? "";
      const version = outputs["python-version"] ?? "";
      const plan = await pythonDependencyCache(req, fx, cache, dependencyPath, version);
      outputs["cache-hit"] = await restoreDependencies(req, store, plan, "exact");
    }
    return { ok: true, outputs };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The versions asked for: python-version (one a line), else python-version-file, else .python-version. */
function versionSpecs(req: ActionStepRequest, fx: StepEffects): string[] {
  const lines = (req.inputs["python-version"] ?? "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  let file = req.inputs["python-version-file"]?.trim() ?? "";
  if (lines.length) {
    if (file)
      fx.warning(
        "Both python-version and python-version-file inputs are specified, only python-version will be used.",
      );
    return lines;
  }
  if (!file) {
    if (!existsSync(join(req.workspace, ".python-version"))) {
      fx.warning(
        "Neither 'python-version' nor 'python-version-file' input was provided and the .python-version file was not found: the python on PATH is used as it is.",
      );
      return [];
    }
    file = ".python-version";
  }
  const specs = pythonVersionsFromFile(file, readVersionFile(req, "python-version-file", file));
  if (!specs.length) throw new Error(`No Python version was found in ${file}`);
  fx.info(`Resolved ${file} as ${specs.join(", ")}`);
  return specs;
}

async function hostPython(env: Record<string, string>) {
  const path = findOnPath("python3", env.PATH) ?? findOnPath("python", env.PATH);
  if (!path) return { problem: "has no python3 or python" };
  const out = await probe(path, ["-c", PROBE], env);
  const [version = "", prefix = ""] = out.stdout.trim().split(/\r?\n/);
  const semverVersion = pythonVersionToSemver(version);
  if (!out.ok || !semverVersion) return { problem: `has ${path}, but it did not report its version` };
  return { found: { version: semverVersion, path, prefix } };
}

async function apply(
  req: ActionStepRequest,
  fx: StepEffects,
  resolved: Resolved,
  update: boolean,
): Promise<Record<string, string>> {
  let installDir: string;
  let binDir: string;
  let pythonPath: string;
  let version = resolved.version;
  if (resolved.source === "tool-cache") {
    installDir = resolved.dir;
    binDir = join(installDir, "bin");
    pythonPath = join(binDir, "python");
    // The version as the tool cache folder names it (3.13.0-rc.1), as setup-python outputs it.
    version = basename(dirname(installDir));
  } else {
    const out = await probe(resolved.path, ["-c", PROBE], fx.env);
    installDir = out.stdout.trim().split(/\r?\n/)[1] || dirname(dirname(resolved.path));
    // `python` and `python3` both name the host's interpreter, as on a GitHub runner.
    binDir = join(runnerTemp(req), "setup-python", resolved.version, "bin");
    const pip = findOnPath("pip3", dirname(resolved.path));
    // In the job's temp folder, as the job: a link a step left there leads nowhere of the server's.
    const links = [
      ["python", resolved.path],
      ["python3", resolved.path],
      ...(pip
        ? [
            ["pip", pip],
            ["pip3", pip],
          ]
        : []),
    ];
    await runCommand(
      "sh",
      [
        "-c",
        'dir=$1; shift; rm -rf -- "$dir" && mkdir -p -- "$dir" && while [ $# -gt 0 ]; do ln -s -- "$2" "$dir/$1"; shift 2; done',
        "sh",
        binDir,
        ...links.flat(),
      ],
      { cwd: req.workspace, sandbox: req.sandbox },
    );
    pythonPath = resolved.path;
  }
  if (update) {
    fx.exportVariable("pythonLocation", installDir);
    fx.exportVariable("PKG_CONFIG_PATH", `${installDir}/lib/pkgconfig`);
    fx.exportVariable("Python_ROOT_DIR", installDir);
    fx.exportVariable("Python2_ROOT_DIR", installDir);
    fx.exportVariable("Python3_ROOT_DIR", installDir);
    if (process.platform === "linux" && resolved.source === "tool-cache") {
      const lib = join(installDir, "lib");
      const current = fx.env.LD_LIBRARY_PATH ?? "";
      if (!current.split(":").includes(lib)) {
        fx.exportVariable("LD_LIBRARY_PATH", current ? `${lib}:${current}` : lib);
      }
    }
    if (resolved.source === "tool-cache") fx.addPath(installDir);
    fx.addPath(binDir);
  }
  fx.info(`Python ${version}: ${pythonPath}`);
  return { "python-version": version, "python-path": pythonPath };
}
