import { execFile } from "node:child_process";
import { createWriteStream, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ToolInstallError } from "./errors.js";

function tar(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile("tar", args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim() || err.message));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/**
 * The problem with one member name of an archive, if any: absolute paths and `..` parts are refused
 * (tar would strip or skip them; a tool whose archive holds them is not what it claims to be).
 */
export function memberProblem(name: string): string | undefined {
  if (name.startsWith("/") || /^[A-Za-z]:[\\/]/.test(name)) return "is an absolute path";
  if (name.split(/[\\/]/).includes("..")) return "climbs out with '..'";
  return undefined;
}

/**
 * Unpacks a tar archive (gzip, xz, bzip2 or zstd, as tar detects it) into `dest`, after reading its
 * member names (verbatim, `-P`) and refusing the archive when one is absolute or has `..`. tar
 * itself does not write through links the archive made; the tree is checked again after (checkTree).
 * Returns the tool's root: the only folder at the top when there is just one, else `dest`.
 */
export async function extractArchive(archive: string, dest: string, label: string): Promise<string> {
  let listing: string;
  try {
    listing = (await tar(["-t", "-P", "-f", archive])).stdout;
  } catch (err) {
    throw new ToolInstallError(
      `${label} is not a tar archive gantry can read (${(err as Error).message.split("\n")[0]}); zip files are not supported: unpack it and use --from DIR`,
    );
  }
  for (const name of listing.split("\n")) {
    if (!name) continue;
    const problem = memberProblem(name);
    if (problem) throw new ToolInstallError(`${label}: the archive member '${name}' ${problem}; refused`);
  }
  mkdirSync(dest, { recursive: true });
  try {
    await tar(["-x", "-f", archive, "-C", dest, "--no-same-owner", "--no-same-permissions"]);
  } catch (err) {
    throw new ToolInstallError(`${label}: tar could not unpack it: ${(err as Error).message}`);
  }
  const top = readdirSync(dest);
  if (top.length === 1 && lstatSync(join(dest, top[0])).isDirectory()) return join(dest, top[0]);
  return dest;
}

/** A URL as messages show it: without a user name or password. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "(an invalid URL)";
  }
}

/**
 * Downloads `url` (http or https) to `file`, failing on any answer but 200. A user name and
 * password in the URL go as Basic authorization (as curl sends them), never into a message.
 */
export async function download(url: string, file: string): Promise<void> {
  const shown = shownUrl(url);
  const headers: Record<string, string> = {};
  const u = new URL(url);
  if (u.username || u.password) {
    const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  }
  let res: Response;
  try {
    res = await fetch(shown, { redirect: "follow", headers });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new ToolInstallError(
      `could not download ${shown}: ${(cause ?? (err as Error).message).replaceAll(url, shown)}`,
    );
  }
  if (res.status !== 200 || !res.body) {
    throw new ToolInstallError(`could not download ${shown}: HTTP ${res.status} ${res.statusText}`);
  }
  // The web stream type of fetch and the one Readable.fromWeb takes differ only in their typings.
  await pipeline(
    Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
    createWriteStream(file),
  );
}
