import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  type Stats,
  writeSync,
} from "node:fs";

/** The most the runner reads of one file-command file (GITHUB_OUTPUT, GITHUB_ENV …, the step summary). */
export const JOB_FILE_LIMIT = 1024 * 1024;

/**
 * Reads a file a step could have replaced: only a regular file, never through a symbolic link (a
 * step must not make the runner read the server's files for it), and at most `limit` bytes. A file
 * that is missing, a link or not a regular file holds nothing; one over the limit is an error.
 */
export function readJobFile(file: string, limit = JOB_FILE_LIMIT): string {
  // Most of a step's files are left empty: one system call says so (the link itself, not followed).
  let seen: Stats | undefined;
  try {
    seen = lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return "";
  }
  if (!seen?.isFile() || seen.size === 0) return "";
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return "";
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return "";
    if (info.size > limit) {
      throw new Error(`${file} is ${info.size} bytes, over the limit of ${limit} bytes`);
    }
    const buffer = Buffer.alloc(info.size);
    let read = 0;
    while (read < info.size) {
      const n = readSync(fd, buffer, read, info.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Opens a file of the job's for writing without following a link in its place; only a regular file. */
function openJobFileForWrite(file: string, flags: number): number {
  const fd = openSync(file, flags | constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new Error(`${file} is not a regular file`);
  }
  return fd;
}

/**
 * Writes (or with `append`, appends to) a file a step can see (GITHUB_ENV, GITHUB_PATH, an .npmrc in
 * its temp folder), never through a link in its place.
 */
export function writeJobFile(file: string, text: string, opts: { append?: boolean } = {}): void {
  const fd = openJobFileForWrite(file, opts.append ? constants.O_APPEND : constants.O_TRUNC);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
