import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import semver from "semver";
import { findOnPath } from "../../runner/index.js";
import { extractArchive } from "./archive.js";
import { ToolInstallError } from "./errors.js";

/** A program installed beside node whose `--version` must answer `expect`. */
export interface Companion {
  name: string;
  version: string;
}

export interface NpmInstallOptions {
  /** The semver range asked for (`22`, `*`). */
  range: string;
  /** Architecture as the tool cache names it (`x64`, `arm64`). */
  arch: string;
  /** npm's version (a range; default: the newest whose engines accept this Node.js). */
  npm?: string;
  /** corepack's version (a range; `none` leaves it out; default as npm). */
  corepack?: string;
  /** Where npm runs, so the project's .npmrc counts, and its environment (npm_config_*). */
  cwd: string;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  /**
   * Runs the unpacked bin/node and returns the Node.js version it reports (throwing when it is not
   * acceptable): npm and corepack are chosen for that version, and nothing more is downloaded for a
   * package that is not what it says.
   */
  check: () => Promise<string>;
}

/**
 * Fills `root` with Node.js from the npm registry the user's npm is set up for (npm_config_registry,
 * .npmrc files, their credentials: npm itself reads them): `node-<os>-<arch>` for bin/node, `npm`
 * and `corepack` under lib/node_modules with bin/npm, bin/npx and bin/corepack linking to them, as
 * in Node.js's own archives. npm checks each tarball against the registry's integrity hash.
 * Returns the Node.js version and the companions to verify.
 */
export async function nodeFromNpm(
  root: string,
  work: string,
  opts: NpmInstallOptions,
): Promise<{ companions: Companion[] }> {
  const npm = findOnPath("npm", opts.env.PATH);
  if (!npm) {
    throw new ToolInstallError(
      "--from-npm needs npm on PATH: gantry asks it for the packages, so that your registry settings and credentials (.npmrc, npm_config_registry) apply",
    );
  }
  const run = (args: string[]) => npmJson(npm, args, opts);
  const os = process.platform === "win32" ? "win" : process.platform;
  const pkg = `node-${os}-${opts.arch}`;
  const versions = list(await run(["view", `${pkg}@${opts.range}`, "version", "--json"])).filter(
    (v): v is string => typeof v === "string",
  );
  const version = semver.maxSatisfying(versions, opts.range);
  if (!version) {
    throw new ToolInstallError(
      `the npm registry has no ${pkg} matching '${opts.range}'${versions.length ? ` (it has ${versions.slice(-5).join(", ")} …)` : ""}`,
    );
  }
  opts.log(`Node.js ${version}: ${pkg}@${version}`);
  mkdirSync(work, { recursive: true });
  const fetchPackage = async (name: string, v: string): Promise<string> => {
    const packed = list(
      await run(["pack", `${name}@${v}`, "--pack-destination", work, "--ignore-scripts", "--json"]),
    );
    const file = (packed[0] as { filename?: unknown } | undefined)?.filename;
    if (typeof file !== "string" || !existsSync(join(work, file))) {
      throw new ToolInstallError(`npm pack ${name}@${v} did not say which file it wrote`);
    }
    const top = await extractArchive(
      join(work, file),
      join(work, `unpacked-${name}`),
      `${name}@${v} from the npm registry`,
    );
    return top;
  };
  renameSync(await fetchPackage(pkg, version), root);
  if (!isFile(join(root, "bin", "node"))) {
    throw new ToolInstallError(`${pkg}@${version} from the npm registry has no bin/node`);
  }
  const reported = await opts.check();
  const npmVersion = await pickCompanion("npm", opts.npm, reported, run);
  const corepackVersion =
    opts.corepack === "none" ? undefined : await pickCompanion("corepack", opts.corepack, reported, run);
  const companions: Companion[] = [];
  const place = async (name: string, v: string, bins: Record<string, string>) => {
    const dest = join(root, "lib", "node_modules", name);
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(await fetchPackage(name, v), dest);
    for (const [bin, target] of Object.entries(bins)) {
      const file = join(dest, target);
      if (!isFile(file)) throw new ToolInstallError(`${name}@${v} from the npm registry has no ${target}`);
      chmodSync(file, statSync(file).mode | 0o111);
      const link = join(root, "bin", bin);
      rmSync(link, { force: true });
      symlinkSync(`../lib/node_modules/${name}/${target}`, link);
    }
    companions.push({ name, version: v });
  };
  await place("npm", npmVersion, { npm: "bin/npm-cli.js", npx: "bin/npx-cli.js" });
  if (corepackVersion) await place("corepack", corepackVersion, { corepack: "dist/corepack.js" });
  return { companions };
}

/** The version of npm or corepack: the newest matching `wanted` (default any) whose engines accept `node`. */
async function pickCompanion(
  name: string,
  wanted: string | undefined,
  node: string,
  run: (args: string[]) => Promise<unknown>,
): Promise<string> {
  // `npm view x@*` answers the latest only; any explicit range lists every match.
  const range = wanted ?? ">=0.0.0";
  if (!semver.validRange(range))
    throw new ToolInstallError(`--${name} '${wanted}' is not a version or range`);
  const entries = list(await run(["view", `${name}@${range}`, "version", "engines", "--json"])) as {
    version?: unknown;
    engines?: { node?: unknown };
  }[];
  const fits = entries.filter((e) => {
    if (typeof e.version !== "string" || !semver.valid(e.version)) return false;
    if (!wanted && semver.prerelease(e.version)) return false;
    const engines = e.engines?.node;
    return typeof engines !== "string" || semver.satisfies(node, engines);
  });
  const chosen = semver.maxSatisfying(
    fits.map((e) => e.version as string),
    range,
    { includePrerelease: wanted !== undefined },
  );
  if (!chosen) {
    throw new ToolInstallError(
      `the npm registry has no ${name}${wanted ? ` matching '${wanted}'` : ""} whose engines accept Node.js ${node}${name === "corepack" ? " (--corepack none leaves corepack out)" : ""}`,
    );
  }
  return chosen;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** npm view answers one object for one match and an array for several. */
function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Runs npm with `--json` and parses its answer (undefined when it printed nothing: no match). */
function npmJson(npm: string, args: string[], opts: NpmInstallOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      npm,
      args,
      { cwd: opts.cwd, env: opts.env, maxBuffer: 512 * 1024 * 1024, timeout: 10 * 60_000 },
      (err, stdout, stderr) => {
        const text = String(stdout).trim();
        if (err) {
          // npm's own words, without its stack and object dump: `npm error code E404`, the message.
          const said = String(stderr)
            .split("\n")
            .filter((l) => /^npm error \S/.test(l) && !/^npm error (syscall|errno|A complete log)/.test(l))
            .slice(0, 3)
            .join("; ");
          reject(new ToolInstallError(`npm ${args.slice(0, 2).join(" ")} failed: ${said || err.message}`));
          return;
        }
        if (!text) return resolve(undefined);
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(
            new ToolInstallError(`npm ${args.slice(0, 2).join(" ")} answered something other than JSON`),
          );
        }
      },
    );
  });
}
