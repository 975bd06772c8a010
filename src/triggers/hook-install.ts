// `gantry hook install`: a post-receive hook for a bare repository that tells the server what was
// pushed (POST /hooks/git). The push has already happened when post-receive runs, so the hook never
// changes its outcome: it waits at most a few seconds for the server, says on the pusher's terminal
// when the server could not be told, and always exits 0. The server URL and token live beside the
// repository in gantry-hook.json (mode 0600), not in the hook script.
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { gitOut } from "./git.js";

const MARKER = "gantry post-receive hook";
export const HOOK_CONFIG = "gantry-hook.json";
/** How long a push waits for the server at most. */
export const HOOK_TIMEOUT_MS = 5000;

export class HookInstallError extends Error {
  readonly code = "ERR_HOOK_INSTALL";
}

export interface HookInstallOptions {
  /** The bare repository. */
  repo: string;
  /** The gantry server's base URL (http or https). */
  server: string;
  /** Sent as a bearer token; the server checks it when it has one configured. */
  token?: string;
  /** owner/name the server knows the repository by (else it matches the path). */
  name?: string;
  /** Replace a post-receive hook that is not gantry's. */
  force?: boolean;
  /** The node binary the hook runs with (default: the one running gantry). */
  node?: string;
}

/** The hook's source: plain Node.js, no dependency, reads its settings at run time. */
export function hookScript(node: string): string {
  return `#!${node}
// ${MARKER}: tells the gantry server about this push. Installed by \`gantry hook install\`;
// settings in ${HOOK_CONFIG} beside the repository. It never fails or holds up the push.
// Dynamic imports: the file runs as CommonJS or as an ES module, whatever package.json is above it.
function warn(message) {
  process.stderr.write("gantry: " + message + " (the push itself went through)\\n");
}
async function main() {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const gitDir = fs.realpathSync(path.resolve(process.env.GIT_DIR || "."));
  let config;
  try {
    config = JSON.parse(fs.readFileSync(path.join(gitDir, ${JSON.stringify(HOOK_CONFIG)}), "utf8"));
  } catch (err) {
    warn("no server to notify: cannot read ${HOOK_CONFIG}: " + err.message);
    return;
  }
  const updates = fs.readFileSync(0, "utf8");
  if (updates.trim() === "") return;
  const env = process.env;
  let pusher = env.GL_USERNAME || env.GITEA_PUSHER_NAME || env.REMOTE_USER || env.USER || env.LOGNAME;
  try {
    pusher = pusher || (await import("node:os")).userInfo().username;
  } catch {}
  const body = { repository: { path: gitDir }, updates };
  if (config.name) body.repository.full_name = config.name;
  if (pusher) body.pusher = env.GITEA_PUSHER_EMAIL ? { name: pusher, email: env.GITEA_PUSHER_EMAIL } : { name: pusher };
  const headers = { "content-type": "application/json" };
  if (config.token) headers.authorization = "Bearer " + config.token;
  const url = config.server.replace(/\\/+$/, "") + "/hooks/git";
  try {
    const res = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(${HOOK_TIMEOUT_MS}),
    });
    if (!res.ok) warn("the server at " + config.server + " answered " + res.status + ": " + (await res.text()).slice(0, 200));
  } catch (err) {
    warn("could not notify the server at " + config.server + ": " + ((err && err.cause && err.cause.code) || (err && err.message) || err));
  }
}
main().catch((err) => warn(String(err))).finally(() => process.exit(0));
`;
}

/** The repository's hooks folder (core.hooksPath when set). */
function hooksDir(gitDir: string): string {
  const dir = gitOut(gitDir, ["rev-parse", "--git-path", "hooks"]) ?? "hooks";
  return isAbsolute(dir) ? dir : join(gitDir, dir);
}

/** Installs the hook; returns the hook's path. Throws HookInstallError with the reason. */
export function installHook(options: HookInstallOptions): string {
  const repo = resolve(options.repo);
  if (!existsSync(repo)) throw new HookInstallError(`${options.repo}: no such directory`);
  if (gitOut(repo, ["rev-parse", "--is-bare-repository"]) !== "true") {
    throw new HookInstallError(
      `${options.repo} is not a bare git repository (pushes go to bare repositories)`,
    );
  }
  let server: URL;
  try {
    server = new URL(options.server);
  } catch {
    throw new HookInstallError(`--server '${options.server}' is not a URL`);
  }
  if (server.protocol !== "http:" && server.protocol !== "https:") {
    throw new HookInstallError(`--server '${options.server}' must be an http:// or https:// URL`);
  }
  if (options.name !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(options.name)) {
    throw new HookInstallError(`--name '${options.name}' must be owner/name`);
  }
  const gitDir = realpathSync(repo);
  const dir = hooksDir(gitDir);
  const hook = join(dir, "post-receive");
  if (existsSync(hook) && !readFileSync(hook, "utf8").includes(MARKER) && !options.force) {
    throw new HookInstallError(
      `${hook} already exists and is not gantry's: move it away or use --force to replace it`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const config: Record<string, string> = { server: server.toString().replace(/\/+$/, "") };
  if (options.token) config.token = options.token;
  if (options.name) config.name = options.name;
  writeFileSync(join(gitDir, HOOK_CONFIG), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(join(gitDir, HOOK_CONFIG), 0o600);
  writeFileSync(hook, hookScript(options.node ?? process.execPath), { mode: 0o755 });
  chmodSync(hook, 0o755);
  return hook;
}
