import { statSync } from "node:fs";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import picomatch from "picomatch";
import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";
import { copyInSandbox, type Sandbox } from "../sandbox/index.js";
import { artifactNameProblem } from "./artifact-name.js";
import { booleanInput, homeOf, InputError, input, requiredInput } from "./inputs.js";
import { commonAncestor, inputLines, resolvePaths } from "./path-patterns.js";
import type { ArtifactStore, ArtifactUpload } from "./stores.js";

const NO_FILES_OPTIONS = ["warn", "error", "ignore"];
const MAX_RETENTION_DAYS = 90;

function failure(err: unknown): ActionStepResult {
  return { ok: false, error: (err as Error).message };
}

function runIdOf(req: ActionStepRequest): string {
  return String(req.github.run_id ?? "");
}

function wholeNumber(text: string, what: string): number {
  const n = Number.parseInt(text, 10);
  if (Number.isNaN(n)) throw new InputError(`Invalid ${what}`);
  return n;
}

/** Where download-artifact writes: `path` (`~` expanded, relative to the workspace), else the workspace. */
function downloadRoot(req: ActionStepRequest): string {
  let path = input(req, "path");
  if (!path) return req.workspace;
  if (path === "~" || path.startsWith("~/")) path = homeOf(req) + path.slice(1);
  return isAbsolute(path) ? resolve(path) : resolve(req.workspace, path);
}

/**
 * In a sandboxed job the files are copied as the job (src/sandbox): into a folder of the server's
 * first, whose regular files the store then takes, so that a link in the workspace cannot bring in
 * a file the job may not read.
 */
async function uploadAsJob(
  sandbox: Sandbox,
  store: ArtifactStore,
  upload: Omit<ArtifactUpload, "files" | "rootDirectory">,
  files: string[],
  root: string,
) {
  const staging = await mkdtemp(join(tmpdir(), "gantry-upload-"));
  try {
    const names = files.map((f) => relative(root, f));
    await copyInSandbox(sandbox, sandbox.toJob(root), staging, { names, extra: { writable: [staging] } });
    return await store.upload({ ...upload, files: await regularFiles(staging), rootDirectory: staging });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The regular files under `dir` (what a copy made there; a fifo or a device is not one). */
async function regularFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

/** The artifact is copied out of the store as the server, then into the job's folder as the job. */
async function downloadAsJob(
  sandbox: Sandbox,
  store: ArtifactStore,
  runId: string,
  name: string,
  destination: string,
) {
  const staging = await mkdtemp(join(tmpdir(), "gantry-download-"));
  // Readable to a job that runs as another user (runners.user); it gets these files anyway.
  await chmod(staging, 0o755);
  try {
    await store.download(runId, name, staging);
    await copyInSandbox(sandbox, staging, destination, { extra: { readOnly: [staging] } });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** actions/upload-artifact (v4): one immutable, named artifact of the run. */
export async function uploadArtifactAction(
  req: ActionStepRequest,
  store: ArtifactStore,
): Promise<ActionStepResult> {
  try {
    const name = input(req, "name") || "artifact";
    const nameProblem = artifactNameProblem(name);
    if (nameProblem) throw new InputError(nameProblem);
    const pathInput = requiredInput(req, "path");
    const ifNoFiles = input(req, "if-no-files-found") || "warn";
    if (!NO_FILES_OPTIONS.includes(ifNoFiles)) {
      throw new InputError(
        `Unrecognized if-no-files-found input. Provided: ${ifNoFiles}. Available options: ${NO_FILES_OPTIONS.join(",")}`,
      );
    }
    const defaultDays = Number(req.github.retention_days) || MAX_RETENTION_DAYS;
    let retentionDays = defaultDays;
    const daysInput = input(req, "retention-days");
    if (daysInput) {
      retentionDays = wholeNumber(daysInput, "retention-days");
      if (retentionDays < 1) throw new InputError("Invalid retention-days: it must be at least 1");
      if (retentionDays > defaultDays) {
        req.warn(
          `Retention days cannot be greater than the maximum allowed retention set within the repository. Using ${defaultDays} instead.`,
        );
        retentionDays = defaultDays;
      }
    }
    const levelInput = input(req, "compression-level");
    if (levelInput) {
      const level = wholeNumber(levelInput, "compression-level");
      if (level < 0 || level > 9) throw new InputError("Invalid compression-level. Valid values are 0-9");
    }
    const overwrite = booleanInput(req, "overwrite");
    const includeHidden = booleanInput(req, "include-hidden-files");

    // In a sandbox the job's /tmp is a folder of its own: its patterns are looked up there.
    const hostLine = (line: string) => {
      const negate = /^!*/.exec(line)?.[0] ?? "";
      return negate + (req.sandbox?.toHost(line.slice(negate.length)) ?? line.slice(negate.length));
    };
    const found = resolvePaths(inputLines(pathInput).map(hostLine), {
      workspace: req.workspace,
      home: homeOf(req),
      implicitDescendants: true,
      excludeHidden: !includeHidden,
      followSymlinks: true,
    });
    const files = found.matches.filter((p) => !statSync(p).isDirectory());
    if (files.length === 0) {
      const message = `No files were found with the provided path: ${pathInput}. No artifacts will be uploaded.`;
      if (ifNoFiles === "error") throw new InputError(message);
      if (ifNoFiles === "warn") req.warn(message);
      else req.log(message);
      return { ok: true };
    }
    req.log(
      `With the provided path, there will be ${files.length} file${files.length === 1 ? "" : "s"} uploaded`,
    );
    // The stored layout: relative to the one search path, or to the least common ancestor of several.
    let root: string;
    if (found.searchPaths.length > 1) {
      root = commonAncestor(found.searchPaths);
      req.log(`Multiple search paths detected. The least common ancestor is ${root}`);
    } else if (files.length === 1 && found.searchPaths[0] === files[0]) {
      root = dirname(files[0]);
    } else {
      root = found.searchPaths[0];
    }
    const attempt = Number(req.github.run_attempt) || 1;
    const upload = { runId: runIdOf(req), name, retentionDays, overwrite, attempt };
    const info = req.sandbox
      ? await uploadAsJob(req.sandbox, store, upload, files, root)
      : await store.upload({ ...upload, files, rootDirectory: root });
    const url = `${String(req.github.server_url)}/${String(req.github.repository)}/actions/runs/${runIdOf(req)}/artifacts/${info.id}`;
    req.log(
      `Artifact ${name} has been successfully uploaded! Final size is ${info.size} bytes. Artifact ID is ${info.id}`,
    );
    req.log(`Artifact download URL: ${url}`);
    return {
      ok: true,
      outputs: {
        "artifact-id": String(info.id),
        "artifact-url": url,
        "artifact-digest": info.digest.replace(/^sha256:/, ""),
      },
    };
  } catch (err) {
    return failure(err);
  }
}

/** `owner/repo` of a run (the server's runs belong to many repositories), undefined when unknown. */
export type RunRepository = (runId: string) => Promise<string | undefined>;

/** actions/download-artifact (v4): one artifact by name, or all of the run (filtered by `pattern`). */
export async function downloadArtifactAction(
  req: ActionStepRequest,
  store: ArtifactStore,
  runRepository?: RunRepository,
): Promise<ActionStepResult> {
  try {
    const name = input(req, "name");
    const pattern = input(req, "pattern");
    const idsInput = input(req, "artifact-ids");
    const merge = booleanInput(req, "merge-multiple");
    if (name && idsInput) {
      throw new InputError(
        "Inputs 'name' and 'artifact-ids' cannot be used together. Please specify only one.",
      );
    }
    const root = downloadRoot(req);
    const runId = input(req, "github-token") && input(req, "run-id") ? input(req, "run-id") : runIdOf(req);
    // Another run's artifacts only when that run is of this repository (or `repository`, which must
    // be this one: a job has no token for another), as a token scoped to the repository allows.
    if (runId !== runIdOf(req) && runRepository) {
      const own = String(req.github.repository ?? "");
      const wanted = input(req, "repository") || own;
      if (
        wanted.toLowerCase() !== own.toLowerCase() ||
        (await runRepository(runId))?.toLowerCase() !== own.toLowerCase()
      ) {
        throw new InputError(`Unable to download artifact(s): run ${runId} is not a run of ${own}`);
      }
    }
    let artifacts = await store.list(runId);
    if (name) {
      const found = artifacts.find((a) => a.name.toLowerCase() === name.toLowerCase());
      if (!found) throw new InputError(`Unable to download artifact(s): Artifact '${name}' not found`);
      artifacts = [found];
    } else if (idsInput) {
      req.log("Downloading artifacts by ID");
      const ids = idsInput
        .split(",")
        .map((id) => id.trim())
        .filter((id) => id !== "")
        .map((id) => {
          if (!/^\d+$/.test(id)) throw new InputError(`Invalid artifact ID: '${id}'. Must be a number.`);
          return Number(id);
        });
      if (ids.length === 0) throw new InputError("No valid artifact IDs provided in 'artifact-ids' input");
      artifacts = artifacts.filter((a) => ids.includes(a.id));
      if (artifacts.length === 0) throw new InputError("None of the provided artifact IDs were found");
      const missing = ids.filter((id) => !artifacts.some((a) => a.id === id));
      if (missing.length > 0) req.warn(`Could not find the following artifact IDs: ${missing.join(", ")}`);
    } else if (pattern) {
      req.log(`Filtering artifacts by pattern '${pattern}'`);
      const isMatch = picomatch(pattern, { dot: false });
      artifacts = artifacts.filter((a) => isMatch(a.name));
    } else {
      req.log("No input name, artifact-ids or pattern filtered specified, downloading all artifacts");
      if (!merge) req.log("An extra directory with the artifact name will be created for each download");
    }
    if (artifacts.length === 0) {
      req.log("Total of 0 artifact(s) downloaded");
      return { ok: true, outputs: { "download-path": root } };
    }
    req.log("Preparing to download the following artifacts:");
    for (const a of artifacts) req.log(`- ${a.name} (ID: ${a.id}, Size: ${a.size})`);
    for (const a of artifacts) {
      const problem = artifactNameProblem(a.name);
      if (problem) throw new InputError(problem);
      const destination = name || merge ? root : join(root, a.name);
      if (req.sandbox) await downloadAsJob(req.sandbox, store, runId, a.name, destination);
      else await store.download(runId, a.name, destination);
    }
    req.log(`Total of ${artifacts.length} artifact(s) downloaded`);
    req.log("Download artifact has finished successfully");
    return { ok: true, outputs: { "download-path": root } };
  } catch (err) {
    const message = (err as Error).message;
    return {
      ok: false,
      error: message.startsWith("Unable to download")
        ? message
        : `Unable to download artifact(s): ${message}`,
    };
  }
}
