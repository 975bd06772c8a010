/**
 * The dependency caches of the setup-* actions, as the real actions define them: which files
 * key the cache, and the key each builds from their hash.
 */

/** setup-node: the lock files looked for in the workspace root, by package manager. */
export const NODE_LOCK_FILES: Record<string, string[]> = {
  npm: ["package-lock.json", "npm-shrinkwrap.json", "yarn.lock"],
  pnpm: ["pnpm-lock.yaml"],
  yarn: ["yarn.lock"],
};

/** setup-node: `node-cache-<RUNNER_OS>-<arch>-<package manager>-<hash>`; the prefix without `-<hash>` is its restore key for yarn berry. */
export function nodeCacheKey(os: string, arch: string, packageManager: string, hash: string): string {
  return `node-cache-${os}-${arch}-${packageManager}-${hash}`;
}

/** setup-python: the default cache-dependency-path by package manager (pip falls back to pyproject.toml). */
export const PYTHON_DEPENDENCY_PATTERNS: Record<string, string> = {
  pip: "**/requirements.txt",
  pipenv: "**/Pipfile.lock",
  poetry: "**/poetry.lock",
};
export const PIP_BACKUP_PATTERN = "**/pyproject.toml";

/** The Linux distribution as setup-python reads it (`lsb_release -i -r -s`): `Ubuntu`, `22.04`. */
export interface LinuxInfo {
  osName: string;
  osVersion: string;
}

/** setup-python's primary key and restore keys for a package manager and a Python version. */
export function pythonCacheKeys(opts: {
  os: string;
  arch: string;
  linux?: LinuxInfo;
  pythonVersion: string;
  packageManager: string;
  hash: string;
}): { primaryKey: string; restoreKeys: string[] } {
  const base = `setup-python-${opts.os}-${opts.arch}`;
  if (opts.packageManager === "pip") {
    const distro = opts.linux ? `-${opts.linux.osVersion}-${opts.linux.osName}` : "";
    const prefix = `${base}${distro}-python-${opts.pythonVersion}-pip`;
    return { primaryKey: `${prefix}-${opts.hash}`, restoreKeys: [prefix] };
  }
  const suffix = opts.packageManager === "poetry" ? "poetry-v2" : opts.packageManager;
  return { primaryKey: `${base}-python-${opts.pythonVersion}-${suffix}-${opts.hash}`, restoreKeys: [] };
}

/** setup-go: `setup-go-<RUNNER_OS>-<arch>-[<ImageOS>-]go-<version>-<hash>`. */
export function goCacheKey(opts: {
  os: string;
  arch: string;
  imageOs?: string;
  goVersion: string;
  hash: string;
}): string {
  const image = opts.imageOs ? `${opts.imageOs}-` : "";
  return `setup-go-${opts.os}-${opts.arch}-${image}go-${opts.goVersion}-${opts.hash}`;
}

/** setup-java's package managers: the files that key the cache and the folders cached (under HOME). */
export const JAVA_PACKAGE_MANAGERS: Record<
  string,
  { patterns: string[]; paths: (home: string) => string[] }
> = {
  maven: {
    patterns: ["**/pom.xml"],
    paths: (home) => [`${home}/.m2/repository`],
  },
  gradle: {
    patterns: [
      "**/*.gradle*",
      "**/gradle-wrapper.properties",
      "buildSrc/**/Versions.kt",
      "buildSrc/**/Dependencies.kt",
      "gradle/*.versions.toml",
      "**/versions.properties",
    ],
    paths: (home) => [`${home}/.gradle/caches`, `${home}/.gradle/wrapper`],
  },
  sbt: {
    patterns: ["**/*.sbt", "**/project/build.properties", "**/project/**.scala", "**/project/**.sbt"],
    paths: (home) => [
      `${home}/.ivy2/cache`,
      `${home}/.sbt`,
      process.platform === "darwin" ? `${home}/Library/Caches/Coursier` : `${home}/.cache/coursier`,
      `!${home}/.sbt/*.lock`,
      "!**/.sbt/*.lock",
    ],
  },
};

/** setup-java: `setup-java-<RUNNER_OS>-<arch>-<package manager>-<hash>`. */
export function javaCacheKey(os: string, arch: string, packageManager: string, hash: string): string {
  return `setup-java-${os}-${arch}-${packageManager}-${hash}`;
}

/** The message setup-python and setup-java fail with when no dependency file matched. */
export function noFileMatched(workspace: string, patterns: string[]): string {
  return `No file in ${workspace} matched to [${patterns.join(",")}], make sure you have checked out the target repository`;
}
