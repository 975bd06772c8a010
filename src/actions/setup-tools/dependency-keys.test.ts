import { describe, expect, it } from "vitest";
import {
  goCacheKey,
  JAVA_PACKAGE_MANAGERS,
  javaCacheKey,
  NODE_LOCK_FILES,
  nodeCacheKey,
  noFileMatched,
  pythonCacheKeys,
} from "./dependency-keys.js";

const HASH = "ab".repeat(32);

describe("dependency cache keys", () => {
  it("builds setup-node's key from RUNNER_OS, arch, package manager and the lock file hash", () => {
    expect(nodeCacheKey("Linux", "x64", "npm", HASH)).toBe(`node-cache-Linux-x64-npm-${HASH}`);
    expect(nodeCacheKey("macOS", "arm64", "pnpm", HASH)).toBe(`node-cache-macOS-arm64-pnpm-${HASH}`);
    expect(NODE_LOCK_FILES.npm.toString()).toBe("package-lock.json,npm-shrinkwrap.json,yarn.lock");
  });

  it("builds setup-python's pip key with the Linux distribution and a restore key without the hash", () => {
    const keys = pythonCacheKeys({
      os: "Linux",
      arch: "x64",
      linux: { osName: "Ubuntu", osVersion: "22.04" },
      pythonVersion: "3.11.7",
      packageManager: "pip",
      hash: HASH,
    });
    expect(keys).toEqual({
      primaryKey: `setup-python-Linux-x64-22.04-Ubuntu-python-3.11.7-pip-${HASH}`,
      restoreKeys: ["setup-python-Linux-x64-22.04-Ubuntu-python-3.11.7-pip"],
    });
    const mac = pythonCacheKeys({
      os: "macOS",
      arch: "arm64",
      pythonVersion: "3.12.1",
      packageManager: "pip",
      hash: HASH,
    });
    expect(mac.primaryKey).toBe(`setup-python-macOS-arm64-python-3.12.1-pip-${HASH}`);
  });

  it("builds setup-python's pipenv and poetry keys without restore keys", () => {
    const base = { os: "Linux", arch: "x64", pythonVersion: "3.11.7", hash: HASH };
    expect(pythonCacheKeys({ ...base, packageManager: "pipenv" })).toEqual({
      primaryKey: `setup-python-Linux-x64-python-3.11.7-pipenv-${HASH}`,
      restoreKeys: [],
    });
    expect(pythonCacheKeys({ ...base, packageManager: "poetry" }).primaryKey).toBe(
      `setup-python-Linux-x64-python-3.11.7-poetry-v2-${HASH}`,
    );
  });

  it("builds setup-go's key with ImageOS only when the runner sets it", () => {
    expect(goCacheKey({ os: "Linux", arch: "x64", goVersion: "1.22.5", hash: HASH })).toBe(
      `setup-go-Linux-x64-go-1.22.5-${HASH}`,
    );
    expect(
      goCacheKey({ os: "Linux", arch: "x64", imageOs: "ubuntu22", goVersion: "1.22.5", hash: HASH }),
    ).toBe(`setup-go-Linux-x64-ubuntu22-go-1.22.5-${HASH}`);
  });

  it("builds setup-java's key and caches Maven's and Gradle's folders under HOME", () => {
    expect(javaCacheKey("Linux", "x64", "gradle", HASH)).toBe(`setup-java-Linux-x64-gradle-${HASH}`);
    expect(JAVA_PACKAGE_MANAGERS.maven.paths("/home/u")).toEqual(["/home/u/.m2/repository"]);
    expect(JAVA_PACKAGE_MANAGERS.gradle.paths("/home/u")).toEqual([
      "/home/u/.gradle/caches",
      "/home/u/.gradle/wrapper",
    ]);
    expect(JAVA_PACKAGE_MANAGERS.maven.patterns).toEqual(["**/pom.xml"]);
  });

  it("says which patterns matched nothing, as setup-python and setup-java do", () => {
    expect(noFileMatched("/w", ["**/requirements.txt"])).toBe(
      "No file in /w matched to [**/requirements.txt], make sure you have checked out the target repository",
    );
  });
});
