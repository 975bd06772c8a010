import { execFile } from "node:child_process";
import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
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
    if (await exists(join(target, ".git"))) {
      if (clean) {
        await git(target, ["clean", "-ffdx"]);
        await git(target, ["reset", "--hard", "HEAD"]);
      }
    } else {
      await git(target, ["init", "--quiet"]);
    }
    req.log(`Checking out ${want} from ${source} into ${target}`);
    const uploadPack = "git -c uploadpack.allowAnySHA1InWant=true upload-pack";
    const fetchArgs = ["-c", "protocol.file.allow=always", "fetch", "--quiet", "--no-tags"];
    if (depth > 0) fetchArgs.push(`--depth=${depth}`);
    fetchArgs.push(`--upload-pack=${uploadPack}`, source, want);
    await git(target, fetchArgs);
    await git(target, ["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"]);
    const origin = await git(source, ["config", "--get", "remote.origin.url"]).catch(() => source);
    await git(target, ["remote", "add", "origin", origin.trim() || source]).catch(() => undefined);
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
