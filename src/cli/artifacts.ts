import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ArtifactError, type ArtifactInfo } from "../actions/index.js";
import { FsArtifactStore } from "../artifacts/index.js";
import { formatSize } from "../cache/index.js";
import type { RunReport } from "../engine/index.js";
import { UsageError } from "../workflow/index.js";
import { gantryHome } from "./run-workflows.js";
import { textTable } from "./text-table.js";

export const ARTIFACTS_HELP = `Usage: gantry artifacts list [RUN_ID] [--json]
       gantry artifacts download RUN_ID [NAME] [--dir DIR]
       gantry artifacts rm RUN_ID [NAME]
       gantry artifacts prune

Reads the artifacts actions/upload-artifact stored during gantry run ($GANTRY_HOME/artifacts).
RUN_ID is the run's github.run_id: gantry run prints it after a run that uploaded artifacts, and
the run report (--report) holds it as runId.

  list      each artifact: run id, name, size, files, digest, when created and when it expires;
            without RUN_ID every run's, newest run first. Expired artifacts are not shown.
  download  writes the artifact NAME's files into DIR (default the current folder); without NAME
            every artifact of the run, each into DIR/<name>/
  rm        removes the artifact NAME of the run; without NAME all of the run's, expired ones too
  prune     removes every artifact past its retention (retention-days, default 90)

Expired artifacts are also removed after every gantry run.
`;

const COMMANDS = ["list", "download", "rm", "prune"];
const OPTIONS: Record<string, string[]> = { list: ["json"], download: ["dir"], rm: [], prune: [] };

function artifactsRoot(): string {
  return join(gantryHome(), "artifacts");
}

function checkRunId(runId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new UsageError(`'${runId}' is not a run id`);
  return runId;
}

const time = (iso: string) => iso.replace(/\.\d+Z$/, "Z");

interface Listed extends ArtifactInfo {
  files: number;
}

/** The runs' artifacts, newest run first (by its latest artifact), by name within a run. */
async function listRuns(store: FsArtifactStore, runIds: string[]): Promise<Listed[]> {
  const runs: { latest: string; artifacts: Listed[] }[] = [];
  for (const runId of runIds) {
    const artifacts: Listed[] = [];
    for (const a of await store.list(runId)) {
      const files = await store.files(runId, a.name);
      if (files) artifacts.push({ ...a, files: files.length });
    }
    if (artifacts.length === 0) continue;
    const latest = artifacts.map((a) => a.createdAt).reduce((x, y) => (x > y ? x : y));
    runs.push({ latest, artifacts });
  }
  runs.sort((a, b) => (a.latest > b.latest ? -1 : a.latest < b.latest ? 1 : 0));
  return runs.flatMap((r) => r.artifacts);
}

export async function artifactsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      dir: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === "help") {
    process.stdout.write(ARTIFACTS_HELP);
    return 0;
  }
  if (command === undefined)
    throw new UsageError(
      `gantry artifacts needs a command: list, download, rm or prune\n\n${ARTIFACTS_HELP}`,
    );
  if (!COMMANDS.includes(command)) {
    throw new UsageError(
      `unknown command 'gantry artifacts ${command}' (expected list, download, rm or prune)`,
    );
  }
  for (const name of Object.keys(values)) {
    if (name !== "help" && !OPTIONS[command].includes(name)) {
      throw new UsageError(
        `--${name} does not belong to gantry artifacts ${command} (see gantry artifacts --help)`,
      );
    }
  }
  const store = new FsArtifactStore({ root: artifactsRoot() });

  if (command === "list") {
    if (args.length > 1) throw new UsageError(`artifacts list: unexpected '${args[1]}'`);
    const runId = args[0] === undefined ? undefined : checkRunId(args[0]);
    const listed = await listRuns(store, runId === undefined ? await store.runs() : [runId]);
    if (runId !== undefined && listed.length === 0) {
      process.stderr.write(
        `gantry: run '${runId}' has no artifacts (or they expired) in ${artifactsRoot()}\n`,
      );
      return 1;
    }
    if (values.json) {
      const out = listed.map((a) => ({
        runId: a.runId,
        id: a.id,
        name: a.name,
        size: a.size,
        files: a.files,
        digest: a.digest,
        createdAt: a.createdAt,
        expiresAt: a.expiresAt,
      }));
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else if (listed.length === 0) {
      process.stderr.write(`no artifacts (${artifactsRoot()})\n`);
    } else {
      const rows = listed.map((a) => [
        a.runId,
        a.name,
        formatSize(a.size),
        String(a.files),
        a.digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, "$1"),
        time(a.createdAt),
        time(a.expiresAt),
      ]);
      process.stdout.write(
        textTable([["RUN", "NAME", "SIZE", "FILES", "DIGEST", "CREATED", "EXPIRES"], ...rows]),
      );
    }
    return 0;
  }

  if (command === "rm") return removeCommand(store, args);
  if (command === "prune") {
    if (args.length > 0) throw new UsageError(`artifacts prune: unexpected '${args[0]}'`);
    const removed = await store.prune();
    for (const a of removed) process.stdout.write(`removed ${describeArtifact(a)}\n`);
    const freed = removed.reduce((sum, a) => sum + a.size, 0);
    process.stdout.write(
      `pruned ${removed.length} expired artifact${removed.length === 1 ? "" : "s"} (${formatSize(freed)})\n`,
    );
    return 0;
  }

  if (args[0] === undefined) throw new UsageError("artifacts download needs the RUN_ID of the run");
  if (args.length > 2) throw new UsageError(`artifacts download: unexpected '${args[2]}'`);
  if (values.dir === "") throw new UsageError("--dir needs a folder");
  const runId = checkRunId(args[0]);
  const name = args[1];
  const dir = resolve(values.dir ?? ".");
  const all = await store.list(runId);
  if (all.length === 0) {
    process.stderr.write(`gantry: run '${runId}' has no artifacts (or they expired) in ${artifactsRoot()}\n`);
    return 1;
  }
  if (name !== undefined && !all.some((a) => a.name.toLowerCase() === name.toLowerCase())) {
    process.stderr.write(
      `gantry: run '${runId}' has no artifact '${name}' (it has: ${all.map((a) => a.name).join(", ")})\n`,
    );
    return 1;
  }
  const targets =
    name === undefined ? all.map((a) => ({ name: a.name, to: join(dir, a.name) })) : [{ name, to: dir }];
  for (const t of targets) {
    try {
      const info = await store.download(runId, t.name, t.to);
      process.stdout.write(`downloaded ${info.name} (${formatSize(info.size)}) to ${t.to}\n`);
    } catch (err) {
      if (err instanceof ArtifactError && err.code === "artifact-not-found") {
        process.stderr.write(
          `gantry: run '${runId}' has no artifact '${t.name}' (it expired or was replaced)\n`,
        );
        return 1;
      }
      throw err;
    }
  }
  return 0;
}

const describeArtifact = (a: ArtifactInfo) =>
  `${a.name} of run ${a.runId} (${formatSize(a.size)}, expire${Date.parse(a.expiresAt) > Date.now() ? "s" : "d"} ${time(a.expiresAt)})`;

/** gantry artifacts rm RUN_ID [NAME] */
async function removeCommand(store: FsArtifactStore, args: string[]): Promise<number> {
  if (args[0] === undefined) throw new UsageError("artifacts rm needs the RUN_ID of the run");
  if (args.length > 2) throw new UsageError(`artifacts rm: unexpected '${args[2]}'`);
  const runId = checkRunId(args[0]);
  const name = args[1];
  const removed =
    name === undefined
      ? await store.removeRun(runId)
      : [await store.remove(runId, name)].filter((a) => a !== undefined);
  if (removed.length === 0) {
    const which = name === undefined ? "no artifacts" : `no artifact '${name}'`;
    process.stderr.write(`gantry: run '${runId}' has ${which} in ${artifactsRoot()}\n`);
    return 1;
  }
  for (const a of removed) process.stdout.write(`removed ${describeArtifact(a)}\n`);
  return 0;
}

/**
 * After a run, as the cache evicts after a save: removes the artifacts past their retention. A
 * failure is a warning; the run's result stands.
 */
export async function pruneExpiredArtifacts(): Promise<void> {
  try {
    await new FsArtifactStore({ root: artifactsRoot() }).prune();
  } catch (err) {
    process.stderr.write(`gantry: could not remove expired artifacts: ${(err as Error).message}\n`);
  }
}

/** After a run: the run ids of the runs that uploaded artifacts, and how to read them. */
export async function artifactsHint(report: RunReport): Promise<string[]> {
  const store = new FsArtifactStore({ root: artifactsRoot() });
  const lines: string[] = [];
  for (const run of report.runs) {
    const n = (await store.list(run.runId)).length;
    if (n > 0) {
      lines.push(
        `run ${run.runId} (${run.file}) uploaded ${n} artifact${n === 1 ? "" : "s"}: gantry artifacts list ${run.runId}`,
      );
    }
  }
  return lines;
}
