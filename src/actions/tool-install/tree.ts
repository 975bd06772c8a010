import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ToolInstallError } from "./errors.js";

/** True when `path` is `root` or below it (both absolute). */
export function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Checks a tool's tree, staged in gantry's own folder, before it goes into the tool cache: every
 * entry is a folder, a file or a link that stays inside `root` (relative, pointing inside both as
 * written and as resolved); no devices, FIFOs or sockets; a file's hard links are all inside the
 * tree (an extracted archive must not have linked a file from elsewhere). Set-id bits and write
 * access for others are dropped, so nothing in the tool cache runs with another user's rights.
 * `label` names the source in messages.
 */
export function checkTree(root: string, label: string): void {
  const realRoot = realpathSync.native(root);
  const links = new Map<string, { path: string; nlink: number; seen: number }>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const shown = relative(root, path);
      const info = lstatSync(path);
      if (info.isSymbolicLink()) {
        const target = readlinkSync(path);
        if (isAbsolute(target)) {
          throw new ToolInstallError(
            `${label}: '${shown}' is a link to an absolute path (${target}); a tool's links must stay inside it`,
          );
        }
        let real: string | undefined;
        try {
          // The kernel's answer: Node's own realpathSync takes `..` after a link lexically (a/up/.. → a).
          real = realpathSync.native(path);
        } catch {
          real = undefined; // dangling: judged as written
        }
        if (
          !inside(root, resolve(dirname(path), target)) ||
          (real !== undefined && !inside(realRoot, real))
        ) {
          throw new ToolInstallError(
            `${label}: '${shown}' is a link pointing outside the tool (${target}); a tool's links must stay inside it`,
          );
        }
      } else if (info.isDirectory()) {
        chmodSync(path, (info.mode & 0o755) | 0o700);
        walk(path);
      } else if (info.isFile()) {
        if (info.mode & 0o7022) chmodSync(path, info.mode & 0o755);
        if (info.nlink > 1) {
          const key = `${info.dev}:${info.ino}`;
          const known = links.get(key) ?? { path: shown, nlink: info.nlink, seen: 0 };
          known.seen++;
          links.set(key, known);
        }
      } else {
        throw new ToolInstallError(
          `${label}: '${shown}' is not a file, folder or link (a device, FIFO or socket); refused`,
        );
      }
    }
  };
  walk(root);
  for (const l of links.values()) {
    if (l.seen < l.nlink) {
      throw new ToolInstallError(`${label}: '${l.path}' is a hard link to a file outside the tool; refused`);
    }
  }
}

/**
 * Copies a tool's folder (`from`, already checked by checkTree) to `to`: files copied, links kept
 * as written (they point inside), modes kept without set-id bits or write access for others.
 */
export function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    const info = lstatSync(src);
    if (info.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (info.isDirectory()) {
      copyTree(src, dst);
      chmodSync(dst, (info.mode & 0o755) | 0o700);
    } else if (info.isFile()) {
      copyFileSync(src, dst);
      chmodSync(dst, info.mode & 0o755);
    } else {
      throw new ToolInstallError(
        `'${src}' is not a file, folder or link (a device, FIFO or socket); refused`,
      );
    }
  }
}

/** Gives the owner write access to every folder below `dir`, so a tool made read-only can be removed. */
export function makeRemovable(dir: string): void {
  let info: ReturnType<typeof lstatSync>;
  try {
    info = lstatSync(dir);
  } catch {
    return;
  }
  if (!info.isDirectory()) return;
  if ((info.mode & 0o700) !== 0o700) chmodSync(dir, info.mode | 0o700);
  for (const name of readdirSync(dir)) makeRemovable(join(dir, name));
}
