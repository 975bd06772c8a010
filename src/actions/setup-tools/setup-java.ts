import { existsSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import semver from "semver";
import type { ActionStepRequest, ActionStepResult } from "../../runner/index.js";
import { findOnPath } from "../../runner/index.js";
import type { CacheStore } from "../stores.js";
import { needStore, restoreDependencies } from "./dependency-cache.js";
import { javaDependencyCache } from "./dependency-plans.js";
import { readVersionFile, StepEffects, toolCacheRoot, warnOfflineInputs } from "./file-commands.js";
import { resolveTool } from "./resolve-tool.js";
import { listToolCache, probe, toolArch } from "./tool-cache.js";
import { javaVersionFromFile } from "./version-files.js";
import {
  type Candidate,
  javaCacheVersion,
  javaVersionToSemver,
  parseJavaSpec,
  pickHighest,
} from "./versions.js";

/** setup-java's distributions and the name each gives its tool-cache folder (`Java_<name>_<package>`). */
export const JAVA_DISTRIBUTIONS: Record<string, string> = {
  temurin: "Temurin-Hotspot",
  adopt: "Adopt-Hotspot",
  "adopt-hotspot": "Adopt-Hotspot",
  "adopt-openj9": "Adopt-OpenJ9",
  zulu: "Zulu",
  liberica: "Liberica",
  microsoft: "Microsoft",
  semeru: "IBM_Semeru",
  corretto: "Corretto",
  oracle: "Oracle",
  dragonwell: "Dragonwell",
  sapmachine: "SapMachine",
  graalvm: "GraalVM",
  jetbrains: "JetBrains",
};

export const JAVA_PACKAGES = ["jdk", "jre", "jdk+fx", "jre+fx"];

/**
 * The built-in actions/setup-java: a JDK from the runner's tool cache
 * (`<toolcache>/Java_<Distribution>_<package>/<version>/<arch>`) or the host's PATH, never downloaded.
 */
export async function setupJava(
  req: ActionStepRequest,
  deps: { cache?: CacheStore } = {},
): Promise<ActionStepResult> {
  const fx = new StepEffects(req);
  try {
    warnOfflineInputs(fx, req, "setup-java");
    const distributionInput = req.inputs.distribution?.trim() ?? "";
    if (!distributionInput) return { ok: false, error: "Input required and not supplied: distribution" };
    if (distributionInput === "jdkfile") {
      return {
        ok: false,
        error:
          "distribution 'jdkfile' is not supported by gantry's built-in setup-java yet: unpack the JDK into the tool cache or onto the host instead",
      };
    }
    const distribution = JAVA_DISTRIBUTIONS[distributionInput.toLowerCase()];
    if (!distribution) {
      return {
        ok: false,
        error: `No supported distribution was found for input ${distributionInput} (known: ${Object.keys(JAVA_DISTRIBUTIONS).join(", ")})`,
      };
    }
    const pkg = req.inputs["java-package"]?.trim() || "jdk";
    if (!JAVA_PACKAGES.includes(pkg)) {
      return { ok: false, error: `java-package '${pkg}' is not one of ${JAVA_PACKAGES.join(", ")}` };
    }
    if (req.inputs["server-id"] || req.inputs["gpg-private-key"]) {
      fx.warning(
        "setup-java: gantry's built-in setup-java does not write Maven settings.xml or import GPG keys yet.",
      );
    }
    let versionInput = req.inputs["java-version"]?.trim() ?? "";
    const file = req.inputs["java-version-file"]?.trim() ?? "";
    if (!versionInput && file) {
      versionInput = javaVersionFromFile(file, readVersionFile(req, "java-version-file", file)) ?? "";
      if (!versionInput) throw new Error(`No supported version was found in file ${file}`);
      fx.info(`Resolved ${file} as ${versionInput}`);
    }
    if (!versionInput) return { ok: false, error: "java-version or java-version-file input expected" };
    const { spec, stable, latest } = parseJavaSpec(versionInput);
    const archName = toolArch(req.inputs.architecture);
    const folder = `Java_${distribution}_${pkg}`;
    const listing = listToolCache(toolCacheRoot(req), folder, archName, (f) => javaCacheVersion(f)?.version);
    // Early-access builds (…-ea) count only when asked for, and only they then.
    listing.found = listing.found.filter((c) => stable === !basename(dirname(c.dir)).includes("-ea"));
    const pick = (candidates: Candidate[]) => ({
      chosen: pickHighest(candidates, spec),
      note: latest
        ? "'latest': gantry is offline and cannot ask the vendor for releases, so it takes the newest Java on this machine"
        : undefined,
    });
    const resolved = await resolveTool({
      tool: `Java (${distributionInput}, ${pkg})`,
      command: "java",
      want: versionInput,
      arch: archName,
      listing,
      pick,
      host: () => hostJava(fx, pkg, distributionInput),
      log: (l) => fx.info(l),
    });
    let home = resolved.source === "tool-cache" ? resolved.dir : javaHome(resolved.path);
    if (process.platform === "darwin" && existsSync(join(home, "Contents", "Home"))) {
      home = join(home, "Contents", "Home");
    }
    const version = resolved.version;
    fx.info(`Setting Java ${version} as the default`);
    fx.exportVariable("JAVA_HOME", home);
    fx.addPath(join(home, "bin"));
    fx.exportVariable(`JAVA_HOME_${version.split(".")[0]}_${archName.toUpperCase()}`, home);
    const outputs: Record<string, string> = { distribution, path: home, version };
    const cache = req.inputs.cache?.trim() ?? "";
    if (cache) {
      const store = needStore(req, deps.cache, `cache: ${cache}`);
      const plan = javaDependencyCache(req, cache, req.inputs["cache-dependency-path"] ?? "");
      outputs["cache-hit"] = await restoreDependencies(req, store, plan, "exact");
    }
    return { ok: true, outputs };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** JAVA_HOME of a `java` on PATH: the folder above the real file's bin/. */
function javaHome(java: string): string {
  return dirname(dirname(realpathSync(java)));
}

/** The host's java: its version from `<home>/release`, else from `java -version`. */
async function hostJava(fx: StepEffects, pkg: string, distribution: string) {
  const path = findOnPath(process.platform === "win32" ? "java.exe" : "java", fx.env.PATH);
  if (!path) return { problem: "has no java" };
  const home = javaHome(path);
  if (pkg.startsWith("jdk") && !existsSync(join(home, "bin", "javac"))) {
    return { problem: `has only a JRE (${home}, no bin/javac), and java-package is ${pkg}` };
  }
  let version: string | undefined;
  let vendor = "";
  try {
    const release = readFileSync(join(home, "release"), "utf8");
    const field = (k: string) => new RegExp(`^${k}="([^"]*)"`, "m").exec(release)?.[1];
    version = javaVersionToSemver(field("JAVA_RUNTIME_VERSION") ?? field("JAVA_VERSION") ?? "");
    vendor = field("IMPLEMENTOR") ?? "";
  } catch {
    const out = await probe(path, ["-version"], fx.env);
    const quoted = /version "([^"]+)"/.exec(out.stderr + out.stdout)?.[1];
    version = quoted ? javaVersionToSemver(quoted) : undefined;
  }
  if (!version || !semver.valid(version))
    return { problem: `has ${path}, but its version could not be read` };
  fx.info(
    `The host's JDK at ${home} is from ${vendor || "an unknown vendor"} (distribution asked: '${distribution}'); it is used if its version matches.`,
  );
  return { found: { version, path } };
}
