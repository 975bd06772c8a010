import { copyFile, mkdir, realpath, rm, stat } from "node:fs/promises";
import { dirname, join, posix, resolve, sep } from "node:path";
import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";
import { type ExtraMounts, runCommand } from "../sandbox/index.js";
import type { RepositorySource } from "./stores.js";

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

/** `submodules:` as actions/checkout takes it. */
function submodulesMode(input: string | undefined): "none" | "top" | "recursive" | undefined {
  const value = (input ?? "").trim().toLowerCase();
  if (value === "" || value === "false") return "none";
  if (value === "true") return "top";
  if (value === "recursive") return "recursive";
  return undefined;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** owner/name, when both are names GitHub allows. */
function repositoryName(text: string): { owner: string; repo: string } | undefined {
  const [owner, repo, ...rest] = text.split("/");
  if (rest.length > 0 || !owner || !repo || !NAME.test(owner) || !NAME.test(repo)) return undefined;
  if (owner.startsWith(".") || repo.startsWith(".")) return undefined;
  return { owner, repo };
}

/**
 * The GitHub repository a submodule URL names: `https://github.com/o/r(.git)`, `ssh://git@…`,
 * `git@github.com:o/r.git`, or a path relative to the superproject (`../r.git`), which is resolved
 * against `superRepo` as git resolves it against the superproject's remote. Anything else (another
 * host, a local path, `file://`, `ext::`) is none: gantry never hands a submodule's URL to git.
 */
export function submoduleRepository(
  url: string,
  superRepo: string,
  hosts: string[],
): { owner: string; repo: string } | undefined {
  const strip = (path: string) => path.replace(/\/+$/, "").replace(/\.git$/, "");
  if (url.startsWith("./") || url.startsWith("../")) {
    const joined = posix.normalize(posix.join("/", superRepo, url));
    return repositoryName(strip(joined.slice(1)));
  }
  const host = hosts.map((h) => h.replace(/[.]/g, "\\.")).join("|");
  const full = new RegExp(`^(?:https?|git|ssh)://(?:[^@/]+@)?(?:${host})(?::\\d+)?/(.+)$`, "i").exec(url);
  const scp = new RegExp(`^(?:[^@/:]+@)?(?:${host}):(.+)$`, "i").exec(url);
  const path = full?.[1] ?? scp?.[1];
  return path === undefined ? undefined : repositoryName(strip(path));
}

/** One submodule of a checkout: where it goes, the commit the superproject records, its URL. */
interface Submodule {
  name?: string;
  path: string;
  commit: string;
  url?: string;
}

/** What checking out submodules needs to know of the job and of where commits come from. */
interface SubmoduleContext {
  req: ActionStepRequest;
  repositories?: RepositorySource;
  depth: number;
  recursive: boolean;
  hosts: string[];
  /** What the superproject's fetch showed the sandbox (the source's git folders): a local submodule's git folder is in them. */
  readOnly: string[];
}

/**
 * The built-in actions/checkout: a git checkout of the run's commit (or `ref`) from the
 * repository gantry was started in. When checking out the run's own commit it also brings
 * the working tree's uncommitted and untracked, not-ignored files, so a local run tests
 * what is on disk (a bare source, a runner machine's mirror, has none). Another `repository`
 * and the submodules come from the local checkout's submodules or the action store (its
 * copies, then its mirror); what cannot be had fails the step.
 */
export async function checkout(
  req: ActionStepRequest,
  repositories?: RepositorySource,
): Promise<ActionStepResult> {
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
  const submodules = submodulesMode(req.inputs.submodules);
  if (!submodules) {
    return {
      ok: false,
      error: `Input 'submodules' must be true, false or recursive, got '${req.inputs.submodules}'`,
    };
  }
  const current = String(req.github.repository ?? "");
  const wanted = req.inputs.repository?.trim() || current;
  const other = wanted.toLowerCase() !== current.toLowerCase() ? repositoryName(wanted) : undefined;
  if (wanted.toLowerCase() !== current.toLowerCase() && !other) {
    return { ok: false, error: `Input 'repository' must be owner/name, got '${wanted}'` };
  }
  const clean = (req.inputs.clean ?? "true") !== "false";
  const serverUrl = String(req.github.server_url ?? "https://github.com");
  const hosts = [...new Set(["github.com", hostOf(serverUrl)].filter((h): h is string => !!h))];
  try {
    await mkdir(target, { recursive: true });
    let source = req.sourceDir;
    let want = ref ?? String(req.github.sha ?? "");
    let readOnly: string[];
    if (other) {
      if (!repositories) {
        return {
          ok: false,
          error: `Input 'repository: ${wanted}' needs gantry's action store, which this runner does not have`,
        };
      }
      const theirRef = ref ?? (await repositories.defaultBranch(other.owner, other.repo));
      if (!theirRef) {
        return {
          ok: false,
          error: `Input 'repository: ${wanted}' without 'ref': no action mirror names its default branch; give the ref to check out`,
        };
      }
      const found = await repositories
        .gitRepository(other.owner, other.repo, theirRef)
        .catch((err: Error) => err);
      if (found instanceof Error) {
        return { ok: false, error: `Input 'repository: ${wanted}' (ref '${theirRef}'): ${found.message}` };
      }
      source = found.gitDir;
      want = found.commit;
      readOnly = [source];
    } else {
      // The source's objects may live in another repository (a worktree's): show that one too.
      const common = req.sandbox
        ? resolve(source, (await git(source, ["rev-parse", "--git-common-dir"])).trim())
        : source;
      readOnly = [...new Set([source, common])];
    }
    // A runner machine's source is its bare mirror: no working tree to bring, no submodules in it.
    const worktree = !other && (await exists(join(req.sourceDir, ".git")));
    const inJob = jobGit(req, { readOnly });
    if (await exists(join(target, ".git"))) {
      if (clean) {
        await inJob(target, ["clean", "-ffdx"]);
        await inJob(target, ["reset", "--hard", "HEAD"]);
      }
    } else {
      await inJob(target, ["init", "--quiet"]);
    }
    req.log(`Checking out ${other ? `${wanted}@${want}` : want} from ${source} into ${target}`);
    await fetchInto(inJob, target, source, want, depth);
    if (other) {
      await inJob(target, ["remote", "add", "--", "origin", `${serverUrl}/${wanted}`]).catch(() => undefined);
    } else {
      const origin = await git(source, ["config", "--get", "remote.origin.url"]).catch(() => source);
      await inJob(target, ["remote", "add", "--", "origin", origin.trim() || source]).catch(() => undefined);
    }
    if (submodules !== "none") {
      const ctx = { req, repositories, depth, recursive: submodules === "recursive", hosts, readOnly };
      await checkoutSubmodules(ctx, target, worktree ? req.sourceDir : undefined, other ? wanted : current);
    }
    if (worktree && (!ref || ref === String(req.github.sha ?? ""))) {
      await overlayWorkingTree(req.sourceDir, target, req.log);
    }
    return { ok: true };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, error: `checkout failed: ${(e.stderr || e.message).trim()}` };
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** Fetches `want` from the local repository `source` into `target` and checks it out, detached. */
async function fetchInto(
  inJob: ReturnType<typeof jobGit>,
  target: string,
  source: string,
  want: string,
  depth: number,
): Promise<void> {
  // safe.directory: the source is gantry's own, which a job run as another user (runners.user) fetches.
  const uploadPack = "git -c uploadpack.allowAnySHA1InWant=true -c safe.directory=* upload-pack";
  // Only ever a local repository gantry chose: every other transport is refused.
  const protocols = ["-c", "protocol.allow=never", "-c", "protocol.file.allow=always"];
  const fetchArgs = [...protocols, "fetch", "--quiet", "--no-tags"];
  if (depth > 0) fetchArgs.push(`--depth=${depth}`);
  // `--`: a `ref` input such as `--upload-pack=…` is a revision, never an option.
  fetchArgs.push(`--upload-pack=${uploadPack}`, "--", source, want);
  await inJob(target, fetchArgs);
  await inJob(target, ["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"]);
}

/** The submodules the checkout in `dir` records: gitlinks of its index, with .gitmodules' names and URLs. */
async function listSubmodules(inJob: ReturnType<typeof jobGit>, dir: string): Promise<Submodule[]> {
  const links = nulList(await inJob(dir, ["ls-files", "--stage", "-z"]))
    .map((entry) => /^160000 ([0-9a-f]{40,64}) \d\t(.+)$/s.exec(entry))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ commit: m[1], path: m[2] }) as Submodule);
  if (links.length === 0) return [];
  const byPath = new Map<string, { name: string; url?: string }>();
  if (await exists(join(dir, ".gitmodules"))) {
    const config = nulList(
      await inJob(dir, [
        "config",
        "-z",
        "--file",
        ".gitmodules",
        "--get-regexp",
        "^submodule\\..*\\.(path|url)$",
      ]).catch(() => ""),
    );
    const names = new Map<string, { path?: string; url?: string }>();
    for (const entry of config) {
      const nl = entry.indexOf("\n");
      const key = entry.slice(0, nl);
      const value = entry.slice(nl + 1);
      const m = /^submodule\.(.+)\.(path|url)$/s.exec(key);
      if (!m) continue;
      const found = names.get(m[1]) ?? {};
      found[m[2] as "path" | "url"] = value;
      names.set(m[1], found);
    }
    for (const [name, { path, url }] of names) if (path) byPath.set(path, { name, url });
  }
  return links.map((l) => ({ ...l, ...byPath.get(l.path) }));
}

/**
 * Checks out each submodule of the checkout in `dir` at its recorded commit: from the local
 * checkout's submodule (`local`, the source repository's working tree at that path) when it has the
 * commit, else from the action store when its URL names a GitHub repository. Fails naming the one
 * it cannot get.
 */
async function checkoutSubmodules(
  ctx: SubmoduleContext,
  dir: string,
  local: string | undefined,
  superRepo: string,
): Promise<void> {
  const { req } = ctx;
  const plain = jobGit(req, {});
  for (const sub of await listSubmodules(plain, dir)) {
    const dest = resolve(dir, sub.path);
    if (!dest.startsWith(`${dir}${sep}`)) throw new Error(`Submodule path '${sub.path}' leaves the checkout`);
    const shown = `Submodule '${sub.path}'${sub.url ? ` (${sub.url})` : ""} at ${sub.commit}`;
    const localDir = local ? await localSubmodule(local, sub.path, sub.commit) : undefined;
    let from: string;
    let repository = superRepo;
    if (localDir) {
      from = localDir;
    } else {
      const named = sub.url ? submoduleRepository(sub.url, superRepo, ctx.hosts) : undefined;
      if (!named) {
        throw new Error(
          `${shown}: the local checkout does not have that commit, and ${sub.url ? "its URL is not a GitHub repository" : ".gitmodules gives it no URL"} that gantry's action store could provide (gantry never fetches a submodule's URL itself)`,
        );
      }
      if (!ctx.repositories)
        throw new Error(`${shown}: not in the local checkout, and this runner has no action store`);
      repository = `${named.owner}/${named.repo}`;
      try {
        from = (await ctx.repositories.gitRepository(named.owner, named.repo, sub.commit)).gitDir;
      } catch (err) {
        throw new Error(`${shown}: ${(err as Error).message}`);
      }
    }
    req.log(`Checking out submodule ${sub.path} at ${sub.commit} from ${from}`);
    const inJob = jobGit(req, { readOnly: [...new Set([from, ...ctx.readOnly])] });
    await mkdir(dest, { recursive: true });
    if (!(await exists(join(dest, ".git")))) await inJob(dest, ["init", "--quiet"]);
    await fetchInto(inJob, dest, from, sub.commit, ctx.depth);
    if (sub.name && sub.url) {
      // Registered in the superproject, so that `git submodule status|foreach` see it.
      await plain(dir, ["config", "--", `submodule.${sub.name}.url`, sub.url]).catch(() => undefined);
    }
    if (ctx.recursive) await checkoutSubmodules(ctx, dest, localDir, repository);
  }
}

/**
 * The local checkout's submodule at `path` when it holds `commit`: a folder of the source's own
 * working tree (no link leading out of it) with a git repository of its own.
 */
async function localSubmodule(source: string, path: string, commit: string): Promise<string | undefined> {
  const dir = resolve(source, path);
  const real = await realpath(dir).catch(() => undefined);
  const root = await realpath(source).catch(() => undefined);
  if (!real || !root || real !== resolve(root, path) || !real.startsWith(`${root}${sep}`)) return undefined;
  if (!(await exists(join(real, ".git")))) return undefined;
  const has = await runCommand("git", ["cat-file", "-e", `${commit}^{commit}`], { cwd: real }).then(
    () => true,
    () => false,
  );
  return has ? real : undefined;
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
