import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { arch } from "node:os";
import { join } from "node:path";
import semver from "semver";
import type { Candidate } from "./versions.js";

/** What one tool's folder in the tool cache holds for one architecture. */
export interface ToolCacheListing {
  /** `<toolcache>/<tool>` */
  root: string;
  /** Complete installs: `<version>/<arch>` with `<version>/<arch>.complete` beside it. */
  found: Candidate[];
  /** Version folders for this arch without the `.complete` marker (an unfinished install). */
  incomplete: string[];
  /** Other architectures present (`18.19.0/arm64`), to explain a miss. */
  otherArchs: string[];
}

/**
 * Lists `<toolcache>/<tool>/<version>/<arch>/` as @actions/tool-cache's findAllVersions does:
 * only version folders whose name is a semver version and whose `<arch>.complete` marker
 * exists count. `toVersion` maps a folder name to the semver compared (Java's `17.0.10-7`
 * → `17.0.10+7`); returning undefined skips the folder.
 */
export function listToolCache(
  toolCache: string,
  tool: string,
  archName: string,
  toVersion: (folder: string) => string | undefined = (f) => semver.valid(semver.clean(f)) ?? undefined,
): ToolCacheListing {
  const root = join(toolCache, tool);
  const listing: ToolCacheListing = { root, found: [], incomplete: [], otherArchs: [] };
  let folders: string[];
  try {
    folders = readdirSync(root);
  } catch {
    return listing;
  }
  for (const folder of folders) {
    const version = toVersion(folder);
    if (!version) continue;
    const dir = join(root, folder, archName);
    if (isDir(dir)) {
      if (existsSync(`${dir}.complete`)) listing.found.push({ version, dir });
      else listing.incomplete.push(folder);
      continue;
    }
    for (const other of safeList(join(root, folder))) {
      if (!other.endsWith(".complete") && isDir(join(root, folder, other))) {
        listing.otherArchs.push(`${folder}/${other}`);
      }
    }
  }
  return listing;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The tool-cache architecture for an `architecture` input (default: this machine's). */
export function toolArch(input: string | undefined): string {
  const a = (input?.trim() || arch()).toLowerCase();
  if (a === "amd64" || a === "x86_64") return "x64";
  if (a === "aarch64") return "arm64";
  if (a === "386" || a === "i386" || a === "ia32") return "x86";
  return a;
}

/** What a tool run by `probe` did. */
export interface ProbeResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** Node's message when the tool failed (it includes the whole stderr). */
  error?: string;
  /** How it failed, as a clause: "exited with code 1", "was killed by SIGTERM", "could not start (EACCES)". */
  failure?: string;
}

/** Runs a tool briefly (`node --version`) and returns its stdout and stderr. */
export function probe(
  file: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const opts = { env, cwd, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 };
    execFile(file, args, opts, (err, stdout, stderr) => {
      const result: ProbeResult = { ok: !err, stdout: String(stdout), stderr: String(stderr) };
      if (err) {
        result.error = err.message;
        result.failure =
          typeof err.code === "number"
            ? `exited with code ${err.code}`
            : err.signal
              ? `was killed by ${err.signal}${err.killed ? " (timed out after 60 s)" : ""}`
              : `could not start (${err.code ?? err.message})`;
      }
      resolve(result);
    });
  });
}

/** Text for a listing in an error: what versions are there, and what is not usable. */
export function describeListing(listing: ToolCacheListing, archName: string): string {
  const parts: string[] = [];
  if (listing.found.length) {
    parts.push(
      `has ${[...listing.found]
        .sort((a, b) => semver.compareBuild(b.version, a.version))
        .map((c) => c.version)
        .join(", ")}`,
    );
  }
  if (listing.incomplete.length) {
    parts.push(
      `incomplete (no ${archName}.complete marker): ${listing.incomplete.map((v) => `${v}/${archName}`).join(", ")}`,
    );
  }
  if (listing.otherArchs.length) parts.push(`other architectures only: ${listing.otherArchs.join(", ")}`);
  if (!parts.length) return existsSync(listing.root) ? "has no versions" : "does not exist";
  return parts.join("; ");
}
