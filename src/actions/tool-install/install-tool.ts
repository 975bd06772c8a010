import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import semver from "semver";
import { removeDir, sweepTemp } from "../atomic-dir.js";
import { probe } from "../setup-tools/index.js";
import { download, extractArchive, shownUrl } from "./archive.js";
import { ToolInstallError } from "./errors.js";
import { type Companion, nodeFromNpm } from "./from-npm.js";
import { type JavaFlavour, kindOfFolder, type ToolKind, toolKind } from "./tool-kinds.js";
import { checkTree, copyTree, inside, makeRemovable } from "./tree.js";

/** Where unfinished installs are staged: inside the tool cache (one file system, so a rename lands them). */
const STAGING = ".gantry-staging";

const ARCHS = [
  "x64",
  "arm64",
  "x86",
  "arm",
  "armv6l",
  "armv7l",
  "ppc64",
  "ppc64le",
  "s390x",
  "riscv64",
  "loong64",
];

export interface AddToolOptions extends JavaFlavour {
  toolCache: string;
  /** `node`, `python`, `go` or `java`. */
  tool: string;
  /** The version asked for: exact (`22.1.0`) or a range (`22`, `3.12`); empty: whatever the source holds. */
  spec: string;
  /** A directory, an archive file or an http(s) URL of an archive. */
  from?: string;
  /** Node.js only: from the npm registry the user's npm uses. */
  fromNpm?: boolean;
  arch: string;
  /** Install under the exact version asked for even when the tool reports another. */
  allowVersionMismatch?: boolean;
  /** Replace an install of the same version and architecture. */
  force?: boolean;
  /** --from-npm: npm's and corepack's versions. */
  npm?: string;
  corepack?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
}

export interface InstalledTool {
  /** The tool-cache folder (`node`, `Python`, `Java_Temurin-Hotspot_jdk`). */
  tool: string;
  /** The version folder (`22.1.0`, `17.0.10-7`). */
  version: string;
  arch: string;
  dir: string;
  /** What the tool itself reports (semver); differs from the folder only with allowVersionMismatch. */
  reported?: string;
  complete: boolean;
}

/** A name for the path parts gantry makes: nothing that could climb out or hide. */
function checkPart(part: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(part) || part.includes("..")) {
    throw new ToolInstallError(`${what} '${part}' is not a valid name`);
  }
  return part;
}

function checkArch(arch: string): string {
  if (!ARCHS.includes(arch)) throw new ToolInstallError(`--arch '${arch}' is not one of ${ARCHS.join(", ")}`);
  return arch;
}

/** A version request as the kind reads it; refuses what is not a version or a semver range. */
function requestRange(kind: ToolKind, spec: string): string {
  if (!spec) return "*";
  if (!/^[0-9A-Za-z.+*^~<>=| -]+$/.test(spec))
    throw new ToolInstallError(`'${spec}' is not a version or range`);
  const range = kind.toRange(spec);
  if (!semver.validRange(range))
    throw new ToolInstallError(`'${spec}' is not a version or range ${kind.title} understands`);
  return range;
}

/**
 * Installs a tool into the runner tool cache as the setup-* actions look for it
 * (`<toolcache>/<tool>/<version>/<arch>/` and `<arch>.complete` beside it), from a directory, an
 * archive (file or http(s) URL) or, for Node.js, the npm registry. The tool is staged inside the
 * tool cache, checked (links stay inside, no devices, no set-id bits), run to ask its version
 * (which must match what was asked for, unless allowVersionMismatch names the exact version to
 * file it under), then renamed into place; the `.complete` marker is written last, so an
 * unfinished install never looks complete.
 */
export async function addTool(opts: AddToolOptions): Promise<InstalledTool> {
  const kind = toolKind(opts.tool);
  const arch = checkArch(opts.arch);
  const range = requestRange(kind, opts.spec);
  const cacheFolder = checkPart(kind.cacheFolder(opts), "tool folder");
  if (opts.fromNpm && opts.from) throw new ToolInstallError("give --from or --from-npm, not both");
  if (opts.fromNpm && kind.name !== "node") throw new ToolInstallError("--from-npm installs Node.js only");
  if (!opts.fromNpm && (opts.npm || opts.corepack)) {
    throw new ToolInstallError(
      "--npm and --corepack choose what --from-npm adds; with --from the source holds them",
    );
  }
  if (!opts.fromNpm && !opts.from)
    throw new ToolInstallError(
      `${kind.name}: say where from: --from DIR|ARCHIVE|URL${kind.name === "node" ? " or --from-npm" : ""}`,
    );
  const exact = opts.spec ? semver.valid(range) : null;
  if (opts.allowVersionMismatch && !exact) {
    throw new ToolInstallError(
      `--allow-version-mismatch files the tool under the version you name, so it needs an exact version (${kind.name}@1.2.3), not '${opts.spec || "(none)"}'`,
    );
  }

  const stagingRoot = join(opts.toolCache, STAGING);
  mkdirSync(stagingRoot, { recursive: true });
  await sweepTemp(stagingRoot, 24 * 3600_000);
  const work = await mkdtemp(join(stagingRoot, "add-"));
  try {
    const root = join(work, "root");
    let companions: Companion[] = [];
    let label = "the npm registry";
    const env = { ...opts.env, PATH: `${join(root, "bin")}:${opts.env.PATH ?? ""}` } as Record<
      string,
      string
    >;
    let reported = "";
    let version = "";
    // Checks the tree, runs the tool and decides the version it is filed under.
    const verify = async (): Promise<string> => {
      checkTree(root, label);
      const binary = join(root, kind.binary);
      if (!existsSync(binary)) {
        throw new ToolInstallError(
          `${label} holds no ${kind.binary}: it is not a ${kind.title} install (expected ${kind.binary} at its top or in its only folder)`,
        );
      }
      if (kind.name === "python" && !existsSync(join(root, "bin", "python"))) {
        symlinkSync("python3", join(root, "bin", "python"));
      }
      const ran = await probe(binary, kind.versionArgs, env);
      if (!ran.ok) {
        const said = ran.stderr.trim().split("\n")[0];
        throw new ToolInstallError(
          `${kind.binary} from ${label} does not run: it ${ran.failure}${said ? `: ${said}` : ""}`,
        );
      }
      const got = kind.readVersion(`${ran.stdout}\n${ran.stderr}`, root);
      if (!got) {
        throw new ToolInstallError(
          `${kind.binary} from ${label} ran, but its version could not be read from: ${(ran.stdout + ran.stderr).trim().split("\n")[0]}`,
        );
      }
      reported = got;
      version = got;
      if (!semver.satisfies(got, range, { includePrerelease: true })) {
        if (!opts.allowVersionMismatch || !exact) {
          throw new ToolInstallError(
            `${kind.binary} from ${label} reports ${kind.title} ${got}, which is not the '${opts.spec}' asked for; refused (to file it as ${kind.name}@<exact version> anyway, say --allow-version-mismatch)`,
          );
        }
        version = exact;
        opts.log(
          `warning: ${kind.binary} reports ${got}; filed as ${version} because of --allow-version-mismatch`,
        );
      }
      return got;
    };
    if (opts.fromNpm) {
      const got = await nodeFromNpm(root, join(work, "npm"), { ...opts, range, arch, check: verify });
      companions = got.companions;
      checkTree(root, label);
    } else {
      label = await fillFrom(opts.from as string, root, work, opts.cwd);
      await verify();
    }
    for (const c of companions) {
      const out = await probe(join(root, "bin", c.name), ["--version"], env);
      if (!out.ok || out.stdout.trim() !== c.version) {
        throw new ToolInstallError(
          `bin/${c.name} from ${label} ${out.ok ? `reports ${out.stdout.trim()}, not ${c.version}` : `does not run: it ${out.failure}`}; refused`,
        );
      }
    }
    if (kind.name === "node" && !companions.length) {
      const npm = join(root, "bin", "npm");
      if (!existsSync(npm)) opts.log(`note: ${label} has no bin/npm; jobs using this Node.js get no npm`);
      else {
        const out = await probe(npm, ["--version"], env);
        if (!out.ok)
          throw new ToolInstallError(`bin/npm from ${label} does not run: it ${out.failure}; refused`);
        companions.push({ name: "npm", version: out.stdout.trim() });
      }
    }
    const folder = checkPart(kind.folder(version), "version");
    const target = join(opts.toolCache, cacheFolder, folder, arch);
    if (!inside(resolve(opts.toolCache), resolve(target)))
      throw new ToolInstallError(`'${target}' is outside the tool cache`);
    const marker = `${target}.complete`;
    if (existsSync(target) || existsSync(marker)) {
      if (!opts.force) {
        throw new ToolInstallError(
          `${cacheFolder} ${folder} (${arch}) is already in the tool cache at ${target}; --force replaces it (or gantry tools rm ${kind.name}@${folder})`,
        );
      }
      await rm(marker, { force: true });
      makeRemovable(target);
      await removeDir(stagingRoot, target);
    }
    mkdirSync(join(opts.toolCache, cacheFolder, folder), { recursive: true });
    try {
      renameSync(root, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw err;
      throw new ToolInstallError(
        `another install put ${cacheFolder} ${folder} (${arch}) into ${target} meanwhile; it was kept`,
      );
    }
    writeFileSync(marker, "");
    const extras = companions.map((c) => `${c.name} ${c.version}`).join(", ");
    opts.log(`${kind.title} ${reported}${extras ? ` (with ${extras})` : ""} → ${target}`);
    return { tool: cacheFolder, version: folder, arch, dir: target, reported, complete: true };
  } finally {
    makeRemovable(work);
    await rm(work, { recursive: true, force: true });
  }
}

/** Puts a directory's copy or an archive's contents at `root`; returns how the source is named in messages. */
async function fillFrom(from: string, root: string, work: string, cwd: string): Promise<string> {
  if (/^https?:\/\//i.test(from)) {
    const label = shownUrl(from);
    const file = join(work, "download");
    await download(from, file);
    renameSync(await extractArchive(file, join(work, "unpacked"), label), root);
    return label;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from))
    throw new ToolInstallError(`--from ${shownUrl(from)}: only http(s) URLs, archive files and directories`);
  const path = resolve(cwd, from);
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch {
    throw new ToolInstallError(`--from ${from}: no such file or directory`);
  }
  if (info.isDirectory()) {
    copyTree(path, root);
    return path;
  }
  renameSync(await extractArchive(path, join(work, "unpacked"), path), root);
  return path;
}

/** Every install in the tool cache, complete or not, by tool folder, version and architecture. */
export function listTools(toolCache: string): InstalledTool[] {
  const out: InstalledTool[] = [];
  for (const tool of dirs(toolCache)) {
    if (tool.startsWith(".")) continue;
    for (const version of dirs(join(toolCache, tool))) {
      for (const arch of dirs(join(toolCache, tool, version))) {
        const dir = join(toolCache, tool, version, arch);
        out.push({ tool, version, arch, dir, complete: existsSync(`${dir}.complete`) });
      }
    }
  }
  return out.sort(
    (a, b) => a.tool.localeCompare(b.tool) || compareFolders(a, b) || a.arch.localeCompare(b.arch),
  );
}

function compareFolders(a: InstalledTool, b: InstalledTool): number {
  const kind = kindOfFolder(a.tool);
  const va = kind?.fromFolder(a.version);
  const vb = kind?.fromFolder(b.version);
  return va && vb ? semver.compareBuild(va, vb) : a.version.localeCompare(b.version);
}

function dirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => lstatSync(join(dir, n)).isDirectory())
      .sort();
  } catch {
    return [];
  }
}

export interface RemoveToolOptions extends JavaFlavour {
  toolCache: string;
  tool: string;
  /** The exact version (as `gantry tools list` shows it). */
  version: string;
  arch: string;
}

/** Removes one install: its marker first (so it stops counting at once), then its folder. */
export async function removeTool(opts: RemoveToolOptions): Promise<InstalledTool | undefined> {
  const kind = toolKind(opts.tool);
  const arch = checkArch(opts.arch);
  const cacheFolder = checkPart(kind.cacheFolder(opts), "tool folder");
  const asked = kind.fromFolder(opts.version) ?? semver.valid(kind.toRange(opts.version));
  if (!asked)
    throw new ToolInstallError(`'${opts.version}' is not an exact version (gantry tools list shows them)`);
  const folder = checkPart(kind.folder(asked), "version");
  const dir = join(opts.toolCache, cacheFolder, folder, arch);
  const marker = `${dir}.complete`;
  if (!existsSync(dir) && !existsSync(marker)) return undefined;
  await rm(marker, { force: true });
  makeRemovable(dir);
  await removeDir(join(opts.toolCache, STAGING), dir);
  try {
    // The version folder goes too when this was its last architecture.
    if (readdirSync(join(opts.toolCache, cacheFolder, folder)).length === 0) {
      await rm(join(opts.toolCache, cacheFolder, folder), { recursive: true });
    }
  } catch {
    // someone else is using it
  }
  return { tool: cacheFolder, version: folder, arch, dir, complete: false };
}
