import { readdirSync } from "node:fs";
import { arch } from "node:os";
import { dirname, join } from "node:path";
import { hashFiles } from "../../expressions/index.js";
import type { ActionStepRequest } from "../../runner/index.js";
import { homeOf } from "../inputs.js";
import { resolvePaths } from "../path-patterns.js";
import { askTool, type DependencyCache, dependencyPatterns } from "./dependency-cache.js";
import {
  goCacheKey,
  JAVA_PACKAGE_MANAGERS,
  javaCacheKey,
  type LinuxInfo,
  NODE_LOCK_FILES,
  nodeCacheKey,
  noFileMatched,
  PIP_BACKUP_PATTERN,
  PYTHON_DEPENDENCY_PATTERNS,
  pythonCacheKeys,
} from "./dependency-keys.js";
import type { StepEffects } from "./file-commands.js";
import { probe } from "./tool-cache.js";

/** What the setup-* actions build their keys from: RUNNER_OS and the arch of the machine. */
function runnerOs(req: ActionStepRequest): string {
  return (
    req.env.RUNNER_OS ||
    { linux: "Linux", darwin: "macOS", win32: "Windows" }[process.platform as string] ||
    ""
  );
}

/** The folders holding the files the patterns match (setup-node asks each project its cache folder). */
function projectDirs(workspace: string, patterns: string[]): string[] {
  const found = resolvePaths(patterns, { workspace, home: workspace, implicitDescendants: false });
  return [...new Set(found.matches.map((f) => dirname(f)))];
}

/** setup-node's cache: the package manager's cache folder, keyed by the lock files. */
export async function nodeDependencyCache(
  req: ActionStepRequest,
  fx: StepEffects,
  packageManager: string,
  dependencyPath: string,
): Promise<DependencyCache> {
  const lockFiles = NODE_LOCK_FILES[packageManager];
  if (!lockFiles) throw new Error(`Caching for '${packageManager}' is not supported`);
  const patterns = dependencyPatterns(req.workspace, dependencyPath);
  let dirs = [req.workspace];
  if (patterns.length) {
    dirs = projectDirs(req.workspace, patterns);
    if (!dirs.length) {
      throw new Error(`No existing directories found containing cache-dependency-path="${dependencyPath}"`);
    }
  }
  const paths = new Set<string>();
  for (const dir of dirs) {
    paths.add(await nodeCacheFolder(fx, packageManager, dir));
  }
  let lock = patterns;
  if (!lock.length) {
    const root = readdirSync(req.workspace);
    const file = lockFiles.find((f) => root.includes(f));
    if (!file) {
      throw new Error(
        `Dependencies lock file is not found in ${req.workspace}. Supported file patterns: ${lockFiles.toString()}`,
      );
    }
    lock = [file];
  }
  const hash = hashFiles(req.workspace, lock);
  if (!hash) throw new Error("Some specified paths were not resolved, unable to cache dependencies.");
  return {
    packageManager,
    primaryKey: nodeCacheKey(runnerOs(req), arch(), packageManager, hash),
    restoreKeys: [],
    paths: [...paths],
  };
}

async function nodeCacheFolder(fx: StepEffects, packageManager: string, cwd: string): Promise<string> {
  const action = `setup-node's 'cache: ${packageManager}'`;
  if (packageManager === "npm") return askTool(fx, action, "npm", ["config", "get", "cache"], cwd);
  if (packageManager === "pnpm") return askTool(fx, action, "pnpm", ["store", "path", "--silent"], cwd);
  const version = await askTool(fx, action, "yarn", ["--version"], cwd);
  return version.startsWith("1.")
    ? askTool(fx, action, "yarn", ["cache", "dir"], cwd)
    : askTool(fx, action, "yarn", ["config", "get", "cacheFolder"], cwd);
}

/** The distribution as `lsb_release -i -r -s` tells it, undefined off Linux or without lsb_release. */
async function linuxInfo(fx: StepEffects): Promise<LinuxInfo | undefined> {
  if (process.platform !== "linux") return undefined;
  const out = await probe("lsb_release", ["-i", "-r", "-s"], fx.env);
  const [osName = "", osVersion = ""] = out.stdout.trim().split(/\r?\n/);
  return { osName, osVersion };
}

/** setup-python's cache: pip's, pipenv's or poetry's folders, keyed by the dependency files. */
export async function pythonDependencyCache(
  req: ActionStepRequest,
  fx: StepEffects,
  packageManager: string,
  dependencyPath: string,
  pythonVersion: string,
): Promise<DependencyCache> {
  const fallback = PYTHON_DEPENDENCY_PATTERNS[packageManager];
  if (!fallback) throw new Error(`Caching for '${packageManager}' is not supported`);
  const patterns = dependencyPatterns(req.workspace, dependencyPath || fallback);
  let hash = hashFiles(req.workspace, patterns);
  if (!hash && packageManager === "pip" && !dependencyPath)
    hash = hashFiles(req.workspace, [PIP_BACKUP_PATTERN]);
  if (!hash) throw new Error(noFileMatched(req.workspace, patterns));
  const action = `setup-python's 'cache: ${packageManager}'`;
  let paths: string[];
  if (packageManager === "pip") {
    paths = [await askTool(fx, action, "pip", ["cache", "dir"], req.workspace)];
  } else if (packageManager === "pipenv") {
    paths = [join(homeOf(req), ".local", "share", "virtualenvs")];
  } else {
    const cacheDir = await askTool(fx, action, "poetry", ["config", "cache-dir"], req.workspace);
    paths = [join(cacheDir, "virtualenvs")];
    const inProject = await askTool(
      fx,
      action,
      "poetry",
      ["config", "virtualenvs.in-project"],
      req.workspace,
    );
    if (inProject === "true") {
      for (const dir of projectDirs(req.workspace, patterns)) paths.push(join(dir, ".venv"));
    }
  }
  const keys = pythonCacheKeys({
    os: runnerOs(req),
    arch: arch(),
    linux: packageManager === "pip" ? await linuxInfo(fx) : undefined,
    pythonVersion,
    packageManager,
    hash,
  });
  return { packageManager, ...keys, paths };
}

/** setup-go's cache: GOMODCACHE and GOCACHE, keyed by go.sum. */
export async function goDependencyCache(
  req: ActionStepRequest,
  fx: StepEffects,
  dependencyPath: string,
  goVersion: string,
): Promise<DependencyCache> {
  let patterns = dependencyPatterns(req.workspace, dependencyPath);
  if (!patterns.length) {
    if (!readdirSync(req.workspace).includes("go.sum")) {
      throw new Error(`Dependencies file is not found in ${req.workspace}. Supported file pattern: go.sum`);
    }
    patterns = ["go.sum"];
  }
  const hash = hashFiles(req.workspace, patterns);
  if (!hash) throw new Error("Some specified paths were not resolved, unable to cache dependencies.");
  const action = "setup-go's cache";
  const paths = [
    await askTool(fx, action, "go", ["env", "GOMODCACHE"], req.workspace),
    await askTool(fx, action, "go", ["env", "GOCACHE"], req.workspace),
  ];
  return {
    packageManager: "go",
    primaryKey: goCacheKey({
      os: runnerOs(req),
      arch: arch(),
      imageOs: req.env.ImageOS,
      goVersion,
      hash,
    }),
    restoreKeys: [],
    paths,
  };
}

/** setup-java's cache: Maven's, Gradle's or sbt's folders under HOME, keyed by the build files. */
export function javaDependencyCache(
  req: ActionStepRequest,
  packageManager: string,
  dependencyPath: string,
): DependencyCache {
  const pm = JAVA_PACKAGE_MANAGERS[packageManager];
  if (!pm) throw new Error(`unknown package manager specified: ${packageManager}`);
  const patterns = dependencyPath ? dependencyPatterns(req.workspace, dependencyPath) : pm.patterns;
  const hash = hashFiles(req.workspace, patterns);
  if (!hash) throw new Error(noFileMatched(req.workspace, patterns));
  return {
    packageManager,
    primaryKey: javaCacheKey(runnerOs(req), arch(), packageManager, hash),
    restoreKeys: [],
    paths: pm.paths(homeOf(req)),
  };
}
