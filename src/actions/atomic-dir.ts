import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Fills a fresh temp dir under `tmpRoot` and renames it to `target` in one step, so `target` either
 * does not exist or is complete: a process killed half way leaves only a temp dir behind. When another
 * process installed `target` first, ours is dropped and theirs kept. Returns true when ours was kept.
 */
export async function installDir(
  tmpRoot: string,
  target: string,
  fill: (tmp: string) => Promise<void>,
): Promise<boolean> {
  await mkdir(tmpRoot, { recursive: true });
  const tmp = await mkdtemp(join(tmpRoot, "install-"));
  try {
    await fill(tmp);
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(tmp, target);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ENOTEMPTY") return false;
      throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Writes a file through a temp file and a rename, so readers see the old or the new content, never half. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Removes what killed processes left in `tmpRoot` more than `maxAgeMs` ago. */
export async function sweepTemp(tmpRoot: string, maxAgeMs: number): Promise<void> {
  const names = await readdir(tmpRoot).catch(() => [] as string[]);
  const now = Date.now();
  await Promise.all(
    names.map(async (name) => {
      const path = join(tmpRoot, name);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > maxAgeMs) await rm(path, { recursive: true, force: true });
    }),
  );
}

/** Removes `dir` by first renaming it into `tmpRoot`, so a killed process never leaves half of it in place. */
export async function removeDir(tmpRoot: string, dir: string): Promise<void> {
  await mkdir(tmpRoot, { recursive: true });
  const doomed = join(tmpRoot, `remove-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await rename(dir, doomed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  await rm(doomed, { recursive: true, force: true });
}
