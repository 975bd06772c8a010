// `gantry hook install`: a post-receive hook for a bare repository that tells the server what was
// pushed (POST /hooks/git). The push has already happened when post-receive runs, so the hook never
// changes its outcome: it waits at most a few seconds for the server, says on the pusher's terminal
// when the server could not be told, and always exits 0. The hook is a few lines of POSIX shell
// that start awk (to write the JSON body) and curl, no Node.js: a push pays a few milliseconds
// for it. The server URL and token live beside the repository in gantry-hook.curlrc (mode 0600,
// read by curl's -K, so the token is never on a command line `ps` shows); gantry-hook.json (0600)
// records the same settings as JSON (hooks installed before the shell one read it).
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { gitOut } from "./git.js";

const MARKER = "gantry post-receive hook";
export const HOOK_CONFIG = "gantry-hook.json";
/** What the hook gives curl: the URL, the token's header, the time limit (curl's config format). */
export const HOOK_CURLRC = "gantry-hook.curlrc";
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
}

/** A word for sh: single-quoted, its own single quotes closed, escaped and reopened. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A value for curl's config file: double-quoted, with its backslashes and quotes escaped. */
function curlQuote(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** curl's settings for the hook: POST the body on stdin to URL/hooks/git, with the token if any. */
export function hookCurlConfig(server: string, token?: string): string {
  const lines = [
    `# ${MARKER}'s request, read by curl -K (gantry hook install wrote it; mode 0600)`,
    `url = ${curlQuote(`${server}/hooks/git`)}`,
    `header = ${curlQuote("Content-Type: application/json")}`,
    // As the Node.js hook did: straight to the server, whatever proxy the pusher's shell names.
    `noproxy = "*"`,
    `max-time = ${HOOK_TIMEOUT_MS / 1000}`,
  ];
  if (token) lines.push(`header = ${curlQuote(`Authorization: Bearer ${token}`)}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Writes the JSON body from post-receive's stdin ("old new ref" lines) and the environment
 * (GANTRY_HOOK_PATH, _NAME, _PUSHER, _EMAIL); prints nothing when no ref was updated. Every string
 * is escaped for JSON (quotes, backslashes, control characters); other bytes pass as they are.
 */
const BODY_AWK = String.raw`
function str(s,   out, i, n, c) {
  if (s !~ /[\\"]/ && s ~ /^[ -~]*$/) return "\"" s "\""
  out = ""; n = length(s)
  for (i = 1; i <= n; i++) { c = substr(s, i, 1); out = out ((c in esc) ? esc[c] : c) }
  return "\"" out "\""
}
BEGIN {
  for (i = 1; i < 32; i++) esc[sprintf("%c", i)] = sprintf("\\u%04x", i)
  esc["\\"] = "\\\\"; esc["\""] = "\\\""
}
/^[ \t\r]*$/ { next }
{
  if (!started) {
    printf "{\"repository\":{\"path\":%s", str(ENVIRON["GANTRY_HOOK_PATH"])
    if (ENVIRON["GANTRY_HOOK_NAME"] != "") printf ",\"full_name\":%s", str(ENVIRON["GANTRY_HOOK_NAME"])
    printf "},\"updates\":\""
    started = 1
  }
  s = str($0); printf "%s\\n", substr(s, 2, length(s) - 2)
}
END {
  if (!started) exit
  printf "\""
  if (ENVIRON["GANTRY_HOOK_PUSHER"] != "") {
    printf ",\"pusher\":{\"name\":%s", str(ENVIRON["GANTRY_HOOK_PUSHER"])
    if (ENVIRON["GANTRY_HOOK_EMAIL"] != "") printf ",\"email\":%s", str(ENVIRON["GANTRY_HOOK_EMAIL"])
    printf "}"
  }
  printf "}"
}`;

/** The hook's source: POSIX shell, awk and curl; the server's URL and token are in HOOK_CURLRC. */
export function hookScript(server: string, name?: string): string {
  return `#!/bin/sh
# ${MARKER}: tells the gantry server about this push. Installed by \`gantry hook install\`;
# the request's URL and token in ${HOOK_CURLRC} beside the repository. It never fails or holds
# up the push (curl gives up after ${HOOK_TIMEOUT_MS / 1000} s).
server=${shellQuote(server)}
warn() { printf 'gantry: %s (the push itself went through)\\n' "$1" >&2; }
dir=$(cd -- "\${GIT_DIR:-.}" && pwd -P) || { warn "no server to notify: cannot find the repository"; exit 0; }
config="$dir/${HOOK_CURLRC}"
if ! [ -r "$config" ]; then warn "no server to notify: cannot read $config"; exit 0; fi
if ! command -v curl >/dev/null 2>&1; then warn "could not notify the server at $server: curl is not installed"; exit 0; fi
GANTRY_HOOK_PATH=$dir
GANTRY_HOOK_NAME=${shellQuote(name ?? "")}
GANTRY_HOOK_PUSHER=\${GL_USERNAME:-\${GITEA_PUSHER_NAME:-\${REMOTE_USER:-\${USER:-\${LOGNAME:-}}}}}
[ -n "$GANTRY_HOOK_PUSHER" ] || GANTRY_HOOK_PUSHER=$(id -un 2>/dev/null)
GANTRY_HOOK_EMAIL=\${GITEA_PUSHER_EMAIL:-}
export GANTRY_HOOK_PATH GANTRY_HOOK_NAME GANTRY_HOOK_PUSHER GANTRY_HOOK_EMAIL
body=$(LC_ALL=C awk '${BODY_AWK.replaceAll("'", `'\\''`)}')
[ -n "$body" ] || exit 0
answer=$(printf '%s' "$body" | curl -q -s -K "$config" --data-binary @- -w '\\n%{http_code}')
code=$?
case $code in
  0) ;;
  6) warn "could not notify the server at $server: ENOTFOUND"; exit 0 ;;
  7) warn "could not notify the server at $server: ECONNREFUSED"; exit 0 ;;
  28) warn "could not notify the server at $server: no answer within ${HOOK_TIMEOUT_MS / 1000} s"; exit 0 ;;
  *) warn "could not notify the server at $server: curl failed (exit $code)"; exit 0 ;;
esac
status=\${answer##*
}
case $status in
  2??) ;;
  *) warn "the server at $server answered $status: $(printf '%.200s' "\${answer%
*}")" ;;
esac
exit 0
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
  // The token goes into a header line of curl's config: no whitespace or control characters.
  if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token)) {
    throw new HookInstallError("--token must be printable ASCII without spaces");
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
  const base = server.toString().replace(/\/+$/, "");
  const config: Record<string, string> = { server: base };
  if (options.token) config.token = options.token;
  if (options.name) config.name = options.name;
  writeFileSync(join(gitDir, HOOK_CONFIG), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(join(gitDir, HOOK_CONFIG), 0o600);
  writeFileSync(join(gitDir, HOOK_CURLRC), hookCurlConfig(base, options.token), { mode: 0o600 });
  chmodSync(join(gitDir, HOOK_CURLRC), 0o600);
  writeFileSync(hook, hookScript(base, options.name), { mode: 0o755 });
  chmodSync(hook, 0o755);
  return hook;
}
