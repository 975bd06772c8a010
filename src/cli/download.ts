import {
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { extractZip, ZipError } from "../artifacts/index.js";
import { UsageError } from "../workflow/index.js";
import { parseRunId, printable, runOf } from "./run-refs.js";
import { maxArtifactSize } from "./run-workflows.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const DOWNLOAD_HELP = `Usage: gantry download [RUN_ID] [-n NAME]... [-D DIR] [options]

Downloads a workflow run's artifacts from a gantry server and unzips them, as \`gh run download\`
does (without RUN_ID the repository's latest run): each artifact into DIR/NAME, or, when one
-n NAME is given, that artifact straight into DIR. Files that exist already are not overwritten
(nothing is written then), and no entry of an artifact's zip can land outside its folder.

  -n, --name NAME  only this artifact (repeatable)
  -D, --dir DIR    where to put them (default: the current directory)
${CLIENT_HELP}`;

/** Why a name the server gave cannot be a folder here, or undefined (the server is not trusted). */
function folderNameProblem(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return "it names no folder of its own";
  if (/[/\\\u0000-\u001f]/.test(name)) return "it holds a slash or a control character";
  return undefined;
}

/** Every file under `dir`, relative to it (folders end with `/`). */
function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(`${relative(base, path)}/`, ...walk(path, base));
    else out.push(relative(base, path));
  }
  return out;
}

/**
 * Moves what was unzipped in `from` under `to`: nothing moves when a file would replace one that
 * is there already (the error names them), and no existing link is followed or replaced.
 */
function moveInto(from: string, to: string): number {
  const entries = walk(from);
  const clashes = entries.filter((rel) => {
    const target = join(to, rel);
    if (!existsSync(target) && !isLink(target)) return false;
    return !rel.endsWith("/") || isLink(target) || !lstatSync(target).isDirectory();
  });
  if (clashes.length > 0) {
    throw new UsageError(
      `not overwriting what is there: ${clashes
        .slice(0, 5)
        .map((c) => join(to, c))
        .join(", ")}${clashes.length > 5 ? ` and ${clashes.length - 5} more` : ""}`,
    );
  }
  let files = 0;
  for (const rel of entries) {
    if (rel.endsWith("/")) mkdirSync(join(to, rel), { recursive: true });
    else {
      renameSync(join(from, rel), join(to, rel));
      files++;
    }
  }
  return files;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export async function downloadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      name: { type: "string", short: "n", multiple: true },
      dir: { type: "string", short: "D" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(DOWNLOAD_HELP);
    return 0;
  }
  if (positionals.length > 1)
    throw new UsageError("gantry download takes at most one RUN_ID (see gantry runs)");
  const runId = parseRunId(positionals[0], "download");
  const dir = values.dir ?? ".";
  const maxSize = maxArtifactSize();
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const run = await runOf(client, repo, runId);
    const path = `/repos/${repo}/actions/runs/${run.id}/artifacts`;
    const { artifacts } = (await client.json("GET", `${path}?per_page=100`)) as {
      artifacts: Array<{ name: string; size_in_bytes: number }>;
    };
    const wanted = values.name ?? artifacts.map((a) => a.name);
    if (wanted.length === 0) throw new UsageError(`run ${run.id} has no artifacts`);
    const missing = wanted.filter((n) => !artifacts.some((a) => a.name === n));
    if (missing.length > 0) {
      throw new UsageError(
        `no artifact ${missing.map((n) => `'${n}'`).join(", ")} in run ${run.id}; it has: ${
          artifacts.map((a) => a.name).join(", ") || "none"
        }`,
      );
    }
    const straight = values.name?.length === 1;
    for (const name of wanted) {
      const problem = folderNameProblem(name);
      if (!straight && problem)
        throw new UsageError(`the artifact '${printable(name)}' cannot be a folder: ${problem}`);
    }
    mkdirSync(dir, { recursive: true });
    for (const name of wanted) {
      const target = straight ? dir : join(dir, name);
      // Downloaded and unzipped beside the target first: a refused zip leaves nothing behind.
      const scratch = mkdtempSync(join(dir, ".gantry-download-"));
      try {
        const res = await client.fetch("GET", `${path}/${encodeURIComponent(name)}/zip`);
        const zip = join(scratch, "artifact.zip");
        if (!res.body) throw new ZipError("the server sent no zip");
        await pipeline(
          Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
          createWriteStream(zip),
        );
        const files = join(scratch, "files");
        await extractZip(zip, files, maxSize);
        mkdirSync(target, { recursive: true });
        const count = moveInto(files, target);
        process.stdout.write(`✓ ${printable(name)}: ${count} file${count === 1 ? "" : "s"} in ${target}\n`);
      } catch (err) {
        if (err instanceof ZipError) {
          process.stderr.write(`gantry: artifact '${printable(name)}' refused: ${err.message}\n`);
          return 1;
        }
        throw err;
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
