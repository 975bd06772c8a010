import { mkdirSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import type { ActionStepRequest, ActionStepResult } from "../../runner/index.js";
import { findOnPath } from "../../runner/index.js";
import { booleanInput } from "../inputs.js";
import type { CacheStore } from "../stores.js";
import { restoreDependencies } from "./dependency-cache.js";
import { goDependencyCache } from "./dependency-plans.js";
import { readVersionFile, StepEffects, toolCacheRoot, warnOfflineInputs } from "./file-commands.js";
import { resolveTool } from "./resolve-tool.js";
import { listToolCache, probe, toolArch } from "./tool-cache.js";
import { goVersionFromFile } from "./version-files.js";
import {
  type Candidate,
  checkSpec,
  goSpecToSemver,
  goVersionToSemver,
  newestFirst,
  pickHighest,
} from "./versions.js";

/**
 * The built-in actions/setup-go: Go from the runner's tool cache (`<toolcache>/go/<version>/<arch>`)
 * or the host's PATH, never downloaded.
 */
export async function setupGo(
  req: ActionStepRequest,
  deps: { cache?: CacheStore } = {},
): Promise<ActionStepResult> {
  const fx = new StepEffects(req);
  try {
    // setup-go caches by default (cache: true).
    const cache = booleanInput(req, "cache", true);
    warnOfflineInputs(fx, req, "setup-go");
    let spec = req.inputs["go-version"]?.trim() ?? "";
    const file = req.inputs["go-version-file"]?.trim() ?? "";
    if (spec && file) {
      fx.warning("Both go-version and go-version-file inputs are specified, only go-version will be used");
    } else if (file) {
      spec = goVersionFromFile(file, readVersionFile(req, "go-version-file", file)) ?? "";
      if (!spec) throw new Error(`No Go version was found in ${file}`);
      fx.info(`Resolved ${file} as ${spec}`);
    }
    if (spec) {
      const archName = toolArch(req.inputs.architecture);
      const pick = goPicker(spec);
      const resolved = await resolveTool({
        tool: "Go",
        command: "go",
        want: spec,
        arch: archName,
        listing: listToolCache(
          toolCacheRoot(req),
          "go",
          archName,
          (f) => semver.valid(f) ?? goVersionToSemver(f),
        ),
        pick,
        host: () => hostGo(fx.env),
        log: (l) => fx.info(l),
      });
      if (resolved.source === "tool-cache") {
        fx.addPath(join(resolved.dir, "bin"));
        // Go versions before 1.9 need GOROOT.
        if (semver.lt(resolved.version, "1.9.0")) fx.exportVariable("GOROOT", resolved.dir);
      }
    } else {
      fx.warning("go-version input was not specified. The action will try to use pre-installed version.");
    }
    const go = findOnPath(process.platform === "win32" ? "go.exe" : "go", fx.env.PATH);
    if (!go) return { ok: false, error: "go was not found on PATH after setup" };
    const gopath = await probe(go, ["env", "GOPATH"], fx.env);
    const gp = gopath.stdout.trim();
    if (gopath.ok && gp) {
      mkdirSync(join(gp, "bin"), { recursive: true });
      fx.addPath(join(gp, "bin"));
    }
    const out = await probe(go, ["version"], fx.env);
    if (!out.ok) return { ok: false, error: `${go} version failed: ${out.error}` };
    fx.info(out.stdout.trim());
    const outputs: Record<string, string> = { "go-version": parseGoVersion(out.stdout) };
    if (cache && deps.cache) {
      try {
        const dependencyPath = req.inputs["cache-dependency-path"] ?? "";
        const plan = await goDependencyCache(req, fx, dependencyPath, outputs["go-version"]);
        outputs["cache-hit"] = await restoreDependencies(req, deps.cache, plan, "restored");
      } catch (err) {
        // As setup-go: a cache that cannot be restored is a warning, not a failed step.
        fx.warning(`Restore cache failed: ${(err as Error).message}`);
      }
    }
    return { ok: true, outputs };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** `go version go1.22.1 linux/amd64` → `1.22.1`, as setup-go's go-version output. */
export function parseGoVersion(text: string): string {
  return (text.trim().split(/\s+/)[2] ?? "").replace(/^go/, "");
}

/** Picks a Go version for a spec; `stable`/`oldstable` are decided among what is on this machine. */
function goPicker(spec: string): (c: Candidate[]) => { chosen?: Candidate; note?: string } {
  const alias = spec.toLowerCase();
  if (alias === "stable" || alias === "oldstable") {
    return (candidates) => {
      const stable = newestFirst(candidates).filter((c) => !semver.prerelease(c.version));
      const newestMinor =
        stable[0] && `${semver.major(stable[0].version)}.${semver.minor(stable[0].version)}`;
      const chosen =
        alias === "stable"
          ? stable[0]
          : stable.find((c) => `${semver.major(c.version)}.${semver.minor(c.version)}` !== newestMinor);
      return {
        chosen,
        note: `'${spec}': gantry is offline and cannot read go.dev's release list, so it takes the ${alias === "stable" ? "newest" : "newest of the previous minor line of the"} Go release${alias === "stable" ? "" : "s"} on this machine`,
      };
    };
  }
  const semverSpec = goSpecToSemver(spec);
  checkSpec(semverSpec, "Go");
  return (candidates) => ({ chosen: pickHighest(candidates, semverSpec) });
}

async function hostGo(env: Record<string, string>) {
  const path = findOnPath(process.platform === "win32" ? "go.exe" : "go", env.PATH);
  if (!path) return { problem: "has no go" };
  const out = await probe(path, ["version"], env);
  const version = goVersionToSemver(parseGoVersion(out.stdout));
  if (!out.ok || !version) return { problem: `has ${path}, but '${path} version' failed` };
  return { found: { version, path } };
}
