import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";
import { type ExtraMounts, runCommand } from "../sandbox/index.js";

/** git in `cwd` on this host: for the source repository, which is gantry's own. */
async function git(cwd: string, args: string[]): Promise<string> {
  return (await runCommand("git", args, { cwd })).stdout;
}

/**
 * git in the job's checkout, as the job: a step may have left a `.git` there whose config runs
 * commands (core.fsmonitor, hooks), so in a sandboxed job it runs in the job's sandbox, seeing the
 * source repository read-only.
 */
function jobGit(req: ActionStepRequest, extra: ExtraMounts) {
  const { sandbox } = req;
  // In the sandbox, with the step's environment (its own HOME): the server's is not the job's.
  const env = sandbox ? req.env : undefined;
  return async (cwd: string, args: string[]): Promise<string> =>
    (await runCommand("git", args, { cwd, sandbox, extra, env })).stdout;
}

function nulList(text: string): string[] {
  return text.split("\0").filter((s) => s !== "");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The built-in actions/checkout: a git checkout of the run's commit (or `ref`) from the
 * repository gantry was started in. When checking out the run's own commit it also brings
 * the working tree's uncommitted and untracked, not-ignored files, so a local run tests
 * what is on disk.
 */
export async function checkout(req: ActionStepRequest): Promise<ActionStepResult> {
  const target = resolve(req.workspace, req.inputs.path ?? "");
  if (!target.startsWith(req.workspace)) {
    return { ok: false, error: `Input 'path' (${req.inputs.path}) must stay inside the workspace` };
  }
  const ref = req.inputs.ref?.trim() || undefined;
  const depthInput = req.inputs["fetch-depth"]?.trim() || "1";
  const depth = Number(depthInput);
  if (!Number.isInteger(depth) || depth < 0) {
    return { ok: false, error: `Input 'fetch-depth' must be a whole number, got '${depthInput}'` };
  }
  const clean = (req.inputs.clean ?? "true") !== "false";
  const source = req.sourceDir;
  const sha = String(req.github.sha ?? "");
  const want = ref ?? sha;
  try {
    await mkdir(target, { recursive: true });
    // The source's objects may live in another repository (a worktree's): show that one too.
    const common = req.sandbox
      ? resolve(source, (await git(source, ["rev-parse", "--git-common-dir"])).trim())
      : source;
    const inJob = jobGit(req, { readOnly: [...new Set([source, common])] });
    if (await exists(join(target, ".git"))) {
      if (clean) {
        await inJob(target, ["clean", "-ffdx"]);
        await inJob(target, ["reset", "--hard", "HEAD"]);
      }
    } else {
      await inJob(target, ["init", "--quiet"]);
    }
    req.log(`Checking out ${want} from ${source} into ${target}`);
    // safe.directory: the source is gantry's own, which a job run as another user (runners.user) fetches.
    const uploadPack = "git -c uploadpack.allowAnySHA1InWant=true -c safe.directory=* upload-pack";
    const fetchArgs = ["-c", "protocol.file.allow=always", "fetch", "--quiet", "--no-tags"];
    if (depth > 0) fetchArgs.push(`--depth=${depth}`);
    // `--`: a `ref` input such as `--upload-pack=…` is a revision, never an option.
    fetchArgs.push(`--upload-pack=${uploadPack}`, "--", source, want);
    await inJob(target, fetchArgs);
    await inJob(target, ["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"]);
    const origin = await git(source, ["config", "--get", "remote.origin.url"]).catch(() => source);
    await inJob(target, ["remote", "add", "--", "origin", origin.trim() || source]).catch(() => undefined);
    if (!ref || ref === sha) await overlayWorkingTree(source, target, req.log);
    return { ok: true };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, error: `checkout failed: ${(e.stderr || e.message).trim()}` };
  }
}

/** Copies modified and untracked (not ignored) files over the checkout and removes deleted ones. */
async function overlayWorkingTree(source: string, target: string, log: (l: string) => void) {
  const changed = nulList(
    await git(source, ["ls-files", "-z", "--modified", "--others", "--exclude-standard"]),
  );
  const deleted = new Set(nulList(await git(source, ["ls-files", "-z", "--deleted"])));
  let copied = 0;
  for (const file of changed) {
    if (deleted.has(file)) continue;
    const from = join(source, file);
    const to = join(target, file);
    const info = await stat(from).catch(() => undefined);
    if (!info?.isFile()) continue;
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to);
    copied++;
  }
  for (const file of deleted) await rm(join(target, file), { force: true });
  if (copied || deleted.size) {
    log(`Applied the working tree: ${copied} changed or untracked file(s), ${deleted.size} deleted`);
  }
}
