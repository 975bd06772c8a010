import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import {
  goSpecToSemver,
  goVersionToSemver,
  JAVA_DISTRIBUTIONS,
  JAVA_PACKAGES,
  javaCacheVersion,
  javaVersionToSemver,
  parseJavaSpec,
  pythonSpecToSemver,
  pythonVersionToSemver,
} from "../setup-tools/index.js";
import { ToolInstallError } from "./errors.js";

/** Options only Java has: setup-java's distribution and java-package name the tool-cache folder. */
export interface JavaFlavour {
  distribution?: string;
  javaPackage?: string;
}

/** What gantry knows of one kind of tool: where it lives in the tool cache and how to ask its version. */
export interface ToolKind {
  name: "node" | "python" | "go" | "java";
  title: string;
  /** The executable (under the install's root) whose version is checked. */
  binary: string;
  versionArgs: string[];
  /** The folder under the tool cache, as the setup-* action looks for it. */
  cacheFolder(flavour: JavaFlavour): string;
  /** The version the installed tool reports, as semver (`out` is stdout and stderr of versionArgs). */
  readVersion(out: string, root: string): string | undefined;
  /** A version request as the setup-* action reads it, as a semver range. */
  toRange(spec: string): string;
  /** The version folder's name for a semver version. */
  folder(version: string): string;
  /** A folder name back to its semver version (undefined: not a version folder). */
  fromFolder(name: string): string | undefined;
}

const plain = (name: string) => semver.valid(name) ?? undefined;

const KINDS: ToolKind[] = [
  {
    name: "node",
    title: "Node.js",
    binary: "bin/node",
    versionArgs: ["--version"],
    cacheFolder: () => "node",
    readVersion: (out) => semver.valid(/^v(\S+)/.exec(out.trim())?.[1] ?? "") ?? undefined,
    toRange: (spec) => spec.replace(/^v(?=\d)/, ""),
    folder: (v) => v,
    fromFolder: plain,
  },
  {
    name: "python",
    title: "Python",
    binary: "bin/python3",
    versionArgs: ["--version"],
    cacheFolder: () => "Python",
    readVersion: (out) => pythonVersionToSemver(/Python (\S+)/.exec(out)?.[1] ?? ""),
    toRange: (spec) => pythonSpecToSemver(spec, false),
    folder: (v) => v,
    fromFolder: plain,
  },
  {
    name: "go",
    title: "Go",
    binary: "bin/go",
    versionArgs: ["version"],
    cacheFolder: () => "go",
    readVersion: (out) => goVersionToSemver(/go version go(\S+)/.exec(out)?.[1] ?? ""),
    toRange: goSpecToSemver,
    folder: (v) => v,
    fromFolder: (name) => semver.valid(name) ?? goVersionToSemver(name),
  },
  {
    name: "java",
    title: "Java",
    binary: "bin/java",
    versionArgs: ["-version"],
    cacheFolder: ({ distribution = "temurin", javaPackage = "jdk" }) => {
      const folder = JAVA_DISTRIBUTIONS[distribution.toLowerCase()];
      if (!folder) {
        throw new ToolInstallError(
          `unknown Java distribution '${distribution}' (known: ${Object.keys(JAVA_DISTRIBUTIONS).join(", ")})`,
        );
      }
      if (!JAVA_PACKAGES.includes(javaPackage)) {
        throw new ToolInstallError(`java-package '${javaPackage}' is not one of ${JAVA_PACKAGES.join(", ")}`);
      }
      return `Java_${folder}_${javaPackage}`;
    },
    // The release file names the build (17.0.10+7), which `java -version` may leave out.
    readVersion: (out, root) => {
      const fromRelease = releaseField(root, "JAVA_RUNTIME_VERSION") ?? releaseField(root, "JAVA_VERSION");
      const text = fromRelease ?? /version "([^"]+)"/.exec(out)?.[1] ?? "";
      return javaVersionToSemver(text);
    },
    toRange: (spec) => parseJavaSpec(spec).spec,
    folder: (v) => v.replace("+", "-"),
    fromFolder: (name) => javaCacheVersion(name)?.version,
  },
];

function releaseField(root: string, key: string): string | undefined {
  try {
    const release = readFileSync(join(root, "release"), "utf8");
    return new RegExp(`^${key}="([^"]*)"`, "m").exec(release)?.[1];
  } catch {
    return undefined;
  }
}

/** The kind named on a command line (`node`, `python`, `go`, `java`). */
export function toolKind(name: string): ToolKind {
  const kind = KINDS.find((k) => k.name === name.toLowerCase());
  if (!kind) {
    throw new ToolInstallError(
      `unknown tool '${name}': gantry installs ${KINDS.map((k) => k.name).join(", ")}`,
    );
  }
  return kind;
}

/** The kind whose tool-cache folder is `folder` (`node`, `Python`, `Java_Temurin-Hotspot_jdk` …). */
export function kindOfFolder(folder: string): ToolKind | undefined {
  if (folder.startsWith("Java_")) return KINDS.find((k) => k.name === "java");
  return KINDS.find((k) => k.cacheFolder({}) === folder);
}
