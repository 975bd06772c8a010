import { execFileSync } from "node:child_process";
import { dirname } from "node:path";
import { runCommand, type Sandbox } from "../sandbox/index.js";

/** How archives are compressed: zstd when the machine has it (as @actions/cache prefers), else gzip. */
export type Compression = "zstd-without-long" | "gzip";

let detected: Compression | undefined;

/** zstd if `zstd` runs, else gzip; asked once per process. */
export function detectCompression(): Compression {
  if (detected === undefined) {
    try {
      execFileSync("zstd", ["--version"], { stdio: "ignore" });
      detected = "zstd-without-long";
    } catch {
      detected = "gzip";
    }
  }
  return detected;
}

/**
 * The decompressor tar starts when extracting, for a zstd whose help is `zstdHelp`. zstd's
 * asynchronous I/O (on by default since 1.5.1) reads and writes in two threads of their own beside
 * the one decompressing: for an archive piped into tar, which is the slower side, they add only
 * hand-overs (on the 600 MB archive of the bench's tree, 22,000 voluntary context switches
 * instead of 15,000, and a fifth more CPU time), so it is turned off where zstd has the option
 * (an older zstd refuses an option it does not know).
 */
export function zstdDecompressor(zstdHelp: string): string {
  return /--\[no-\]asyncio\b/.test(zstdHelp) ? "zstd -d --no-asyncio" : "zstd -d";
}

let decompressor: Promise<string> | undefined;

async function decompressArgs(compression: Compression): Promise<string[]> {
  if (compression === "gzip") return ["-z"];
  // zstd's own help says what it takes; asked once per process.
  decompressor ??= runCommand("zstd", ["-H"], { cwd: "/" }).then(
    (r) => zstdDecompressor(r.stdout + r.stderr),
    () => zstdDecompressor(""),
  );
  return ["--use-compress-program", await decompressor];
}

function compressArgs(compression: Compression): string[] {
  if (compression === "gzip") return ["-z"];
  return ["--use-compress-program", "zstd -T0"];
}

/**
 * Runs tar in `cwd`: in the job's sandbox when given (it then reads and writes only what the job
 * may, whatever paths an archive holds), with `extra` paths (the archive, its folder) shown there.
 */
async function tar(
  args: string[],
  cwd: string,
  sandbox: Sandbox | undefined,
  extra: { readOnly?: string[]; writable?: string[] },
): Promise<void> {
  try {
    await runCommand("tar", args, { cwd, sandbox, extra });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`tar failed: ${(e.stderr || e.message).replace(/^tar failed: /, "").trim()}`);
  }
}

/**
 * Writes `archive` holding the entries named in `listFile` (NUL-separated; relative names are
 * read from `cwd`, absolute ones kept absolute). With `recursive` tar walks each folder named, else
 * the list names every entry.
 */
export function createArchive(
  archive: string,
  cwd: string,
  listFile: string,
  compression: Compression,
  recursive = false,
  sandbox?: Sandbox,
) {
  return tar(
    [
      "--posix",
      "--create",
      "--file",
      archive,
      ...compressArgs(compression),
      "-P",
      "-C",
      cwd,
      ...(recursive ? [] : ["--no-recursion"]),
      "--null",
      "--files-from",
      listFile,
    ],
    cwd,
    sandbox,
    { readOnly: [listFile], writable: [dirname(archive)] },
  );
}

/**
 * How much tar reads from the decompressor at a time when extracting. tar's default record is
 * 10 KiB: it then takes a 64 KiB pipe in 10 KiB bites, and tar and zstd hand the CPU to each
 * other about 90,000 times for a 600 MB archive (51,000 voluntary and 39,000 forced context
 * switches, 64,000 reads). With 1 MiB records tar takes whatever the pipe holds: 16,000 reads and
 * 30,000 switches, and each file's data in one write. A compressed archive is read in full
 * records whatever their size (tar sets --read-full-records itself), so this reads any archive,
 * however it was blocked when written; what is extracted is the same.
 */
const EXTRACT_RECORD_SIZE = "1M";

/** Extracts `archive`: relative entries under `cwd`, absolute ones where they were. */
export async function extractArchive(
  archive: string,
  cwd: string,
  compression: Compression,
  sandbox?: Sandbox,
): Promise<void> {
  const args = [
    "--extract",
    "--file",
    archive,
    ...(await decompressArgs(compression)),
    `--record-size=${EXTRACT_RECORD_SIZE}`,
    "-P",
    "-C",
    cwd,
  ];
  return tar(args, cwd, sandbox, { readOnly: [archive] });
}

/** The compression of an archive by its first bytes (zstd or gzip magic), or undefined for anything else. */
export function archiveCompression(head: Uint8Array): Compression | undefined {
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    return "zstd-without-long";
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  return undefined;
}
