// `gantry hook install`: a post-receive hook for a bare repository that tells the server what was
// pushed (POST /hooks/git). The push has already happened when post-receive runs, so the hook never
// changes its outcome: it waits at most a few seconds for the server, says on the pusher's terminal
// when the server could not be told, and always exits 0. No Node.js: where the host has bash, the hook
// is a bash script that writes the JSON body itself and, for a server on this host over http, sends
// it through bash's /dev/tcp (starting curl was most of what the hook cost a push); else a few lines
// of POSIX shell that start awk (to write the body) and curl. For a server at an address of this host
// over http, when the build compiled it (post-receive-hook.c) and it runs here, the hook is that
// program instead of the bash script: the same request and messages without bash's start. The server URL, the token
// and the repository's name live beside the repository in gantry-hook.curlrc (mode 0600, read by
// curl's -K, by the bash hook or by the compiled one, so the token is never on a command line `ps`
// shows); gantry-hook.json (0600) records the same settings as JSON (hooks installed before the
// shell one read it).
import { spawnSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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
  /**
   * The shell the hook runs in: bash's path (default: found on this host), or "sh" for the POSIX
   * shell form (awk and curl). Given, the hook is that script, never the compiled one.
   */
  shell?: string;
  /**
   * The compiled hook to install for a server on this host over http (default: the one the build
   * put beside the bundle, when there is one); false: a script whatever the server.
   */
  compiled?: string | false;
}

/** A word for sh: single-quoted, its own single quotes closed, escaped and reopened. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A value for curl's config file: double-quoted, with its backslashes and quotes escaped. */
function curlQuote(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * curl's settings for the hook: POST the body on stdin to URL/hooks/git, with the token if any. The
 * repository's name, when given, in a comment line (curl skips it; the compiled hook reads it).
 */
export function hookCurlConfig(server: string, token?: string, name?: string): string {
  const lines = [
    `# ${MARKER}'s request, read by curl -K (gantry hook install wrote it; mode 0600)`,
    `url = ${curlQuote(`${server}/hooks/git`)}`,
    `header = ${curlQuote("Content-Type: application/json")}`,
    // As the Node.js hook did: straight to the server, whatever proxy the pusher's shell names.
    `noproxy = "*"`,
    `max-time = ${HOOK_TIMEOUT_MS / 1000}`,
  ];
  if (token) lines.push(`header = ${curlQuote(`Authorization: Bearer ${token}`)}`);
  if (name) lines.push(`# name = ${curlQuote(name)}`);
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

/** Where the hook sends its request: the server's host, port and path, from its base URL. */
interface Endpoint {
  host: string;
  port: string;
  path: string;
}

/**
 * A server on this host (a loopback address or localhost) over plain HTTP: the bash hook sends to
 * it through bash's own /dev/tcp, without starting curl (whose start alone is most of what a hook
 * costs a push). A connection there is made or refused at once, so the answer's wait (read -t) is
 * the one time limit. Another host or https goes through curl and its --max-time.
 */
function loopbackEndpoint(server: URL): Endpoint | undefined {
  if (server.protocol !== "http:" || server.username || server.password || server.search || server.hash)
    return undefined;
  const host = server.hostname.replace(/^\[|\]$/g, "");
  if (!/^(?:localhost|127(?:\.\d{1,3}){3}|::1)$/i.test(host)) return undefined;
  return { host, port: server.port || "80", path: `${server.pathname.replace(/\/+$/, "")}/hooks/git` };
}

/**
 * The lines every form of the hook starts with: where it is, its settings, who pushed. Without a
 * user in the environment, the user's name is its uid's passwd entry: bash reads /etc/passwd itself
 * (no process), else (or when the entry is not there, a directory service's user) `id -un`.
 */
function hookPreamble(server: string, name: string | undefined, bash = false): string {
  const passwd = bash
    ? `if [ -z "$GANTRY_HOOK_PUSHER" ] && [ -r /etc/passwd ]; then
  while IFS=: read -r user _ uid _; do
    if [ "$uid" = "$UID" ]; then GANTRY_HOOK_PUSHER=$user; break; fi
  done </etc/passwd
fi
`
    : "";
  return `# ${MARKER}: tells the gantry server about this push. Installed by \`gantry hook install\`;
# the request's URL and token in ${HOOK_CURLRC} beside the repository. It never fails the push, and
# waits at most ${HOOK_TIMEOUT_MS / 1000} s for the server's answer.
server=${shellQuote(server)}
warn() { printf 'gantry: %s (the push itself went through)\\n' "$1" >&2; }
cd -P -- "\${GIT_DIR:-.}" 2>/dev/null || { warn "no server to notify: cannot find the repository"; exit 0; }
dir=$PWD
config="$dir/${HOOK_CURLRC}"
if ! [ -r "$config" ]; then warn "no server to notify: cannot read $config"; exit 0; fi
GANTRY_HOOK_PATH=$dir
GANTRY_HOOK_NAME=${shellQuote(name ?? "")}
GANTRY_HOOK_PUSHER=\${GL_USERNAME:-\${GITEA_PUSHER_NAME:-\${REMOTE_USER:-\${USER:-\${LOGNAME:-}}}}}
${passwd}[ -n "$GANTRY_HOOK_PUSHER" ] || GANTRY_HOOK_PUSHER=$(id -un 2>/dev/null)
GANTRY_HOOK_EMAIL=\${GITEA_PUSHER_EMAIL:-}
`;
}

/** curl's part: POSTs $body with the settings of HOOK_CURLRC, and says what went wrong. */
const CURL_SEND = `if ! command -v curl >/dev/null 2>&1; then warn "could not notify the server at $server: curl is not installed"; exit 0; fi
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

/** The POSIX shell hook: awk writes the body, curl sends it (no bash on the host). */
function shHook(server: string, name: string | undefined): string {
  return `#!/bin/sh
${hookPreamble(server, name)}export GANTRY_HOOK_PATH GANTRY_HOOK_NAME GANTRY_HOOK_PUSHER GANTRY_HOOK_EMAIL
body=$(LC_ALL=C awk '${BODY_AWK.replaceAll("'", `'\\''`)}')
[ -n "$body" ] || exit 0
${CURL_SEND}`;
}

/**
 * The bash hook: the body written by bash alone (no awk), sent through /dev/tcp to a server on this
 * host (no curl), else by curl. Every string is escaped for JSON as BODY_AWK escapes it; LC_ALL=C
 * makes bash count and match bytes, so Content-Length is the body's size in bytes.
 */
function bashHook(bash: string, server: string, name: string | undefined, to?: Endpoint): string {
  const tcp = to
    ? `auth=
while IFS= read -r line; do
  case $line in 'header = "Authorization: '*) auth=\${line#header = \\"}; auth=\${auth%\\"} ;; esac
done <"$config"
# curl's quoting undone: \\\\ and \\" (a token has no other escapes).
auth=\${auth//\\\\\\\\/$'\\x01'}; auth=\${auth//\\\\\\"/\\"}; auth=\${auth//$'\\x01'/\\\\}
[ -z "$auth" ] || auth+=$'\\r\\n'
# A server that closes early: its answer is still read (a write fails rather than kill the hook).
trap '' PIPE
if ! { exec 3<>/dev/tcp/${shellQuote(to.host)}/${to.port}; } 2>/dev/null; then
  why=$( { exec 3<>/dev/tcp/${shellQuote(to.host)}/${to.port}; } 2>&1 )
  case $why in
    *refused*) warn "could not notify the server at $server: ECONNREFUSED" ;;
    *nknown*|*"not known"*) warn "could not notify the server at $server: ENOTFOUND" ;;
    *) warn "could not notify the server at $server: \${why##*: }" ;;
  esac
  exit 0
fi
printf 'POST %s HTTP/1.0\\r\\nHost: %s\\r\\nContent-Type: application/json\\r\\n%sContent-Length: %d\\r\\n\\r\\n%s' \\
  ${shellQuote(to.path)} ${shellQuote(`${to.host.includes(":") ? `[${to.host}]` : to.host}:${to.port}`)} "$auth" "\${#body}" "$body" >&3 2>/dev/null
if ! IFS= read -r -t ${HOOK_TIMEOUT_MS / 1000} answer <&3; then
  warn "could not notify the server at $server: no answer within ${HOOK_TIMEOUT_MS / 1000} s"; exit 0
fi
status=\${answer#HTTP/* }; status=\${status%% *}; status=\${status%$'\\r'}
case $status in
  2??) exit 0 ;;
esac
IFS= read -r -d '' -t ${HOOK_TIMEOUT_MS / 1000} answer <&3
answer=\${answer#*$'\\r\\n\\r\\n'}
warn "the server at $server answered $status: \${answer:0:200}"
exit 0
`
    : CURL_SEND;
  return `#!${bash}
${hookPreamble(server, name, true)}LC_ALL=C
# A JSON string's inside: backslashes and quotes escaped, control characters as \\u00XX.
jstr() {
  local s=$1 out= c i
  s=\${s//\\\\/\\\\\\\\}; s=\${s//\\"/\\\\\\"}
  if [[ $s == *[$'\\x01'-$'\\x1f']* ]]; then
    for ((i = 0; i < \${#s}; i++)); do
      c=\${s:i:1}
      [[ $c == [$'\\x01'-$'\\x1f'] ]] && printf -v c '\\\\u%04x' "'$c"
      out+=$c
    done
    s=$out
  fi
  REPLY=$s
}
updates=
while IFS= read -r line || [ -n "$line" ]; do
  [[ $line == *[![:space:]]* ]] || continue
  jstr "$line"; updates+="$REPLY\\\\n"
done
[ -n "$updates" ] || exit 0
jstr "$GANTRY_HOOK_PATH"; body="{\\"repository\\":{\\"path\\":\\"$REPLY\\""
if [ -n "$GANTRY_HOOK_NAME" ]; then jstr "$GANTRY_HOOK_NAME"; body+=",\\"full_name\\":\\"$REPLY\\""; fi
body+="},\\"updates\\":\\"$updates\\""
if [ -n "$GANTRY_HOOK_PUSHER" ]; then
  jstr "$GANTRY_HOOK_PUSHER"; body+=",\\"pusher\\":{\\"name\\":\\"$REPLY\\""
  if [ -n "$GANTRY_HOOK_EMAIL" ]; then jstr "$GANTRY_HOOK_EMAIL"; body+=",\\"email\\":\\"$REPLY\\""; fi
  body+="}"
fi
body+="}"
${tcp}`;
}

/**
 * The hook's source for a server's base URL: with `bash` (its path), the bash form (no awk; no curl
 * for a server on this host), else the POSIX shell form (awk and curl). The server's URL and token
 * are in HOOK_CURLRC.
 */
export function hookScript(server: string, name?: string, bash?: string): string {
  if (!bash) return shHook(server, name);
  return bashHook(bash, server, name, loopbackEndpoint(new URL(server)));
}

/** bash's path on this host (the hook runs here), undefined when there is none. */
export function findBash(): string | undefined {
  for (const dir of ["/bin", "/usr/bin", "/usr/local/bin"]) {
    const path = join(dir, "bash");
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Where the build puts the compiled hook: beside the bundle (absent when running from sources). */
const COMPILED_URL = new URL("./post-receive-hook", import.meta.url);

const helloChecked = new Map<string, boolean>();

/**
 * Whether the compiled hook at `path` runs on this host: it answers `--hello` with the marker (one
 * built for another machine, or on a `noexec` mount, does not). Checked once per path and process.
 */
export function compiledHookRuns(path: string): boolean {
  let runs = helloChecked.get(path);
  if (runs === undefined) {
    const hello = spawnSync(path, ["--hello"], {
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    runs = hello.status === 0 && hello.stdout === `${MARKER}\n`;
    helloChecked.set(path, runs);
  }
  return runs;
}

/** The compiled hook to install for these options, when there is one that runs here. */
function compiledHook(options: HookInstallOptions, server: URL): string | undefined {
  if (options.shell !== undefined || options.compiled === false) return undefined;
  // An address, not `localhost`: the compiled hook asks no name service (post-receive-hook.c).
  const to = loopbackEndpoint(server);
  if (!to || to.host.toLowerCase() === "localhost") return undefined;
  const path = options.compiled ?? fileURLToPath(COMPILED_URL);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return undefined;
  }
  return compiledHookRuns(path) ? path : undefined;
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
  writeFileSync(join(gitDir, HOOK_CURLRC), hookCurlConfig(base, options.token, options.name), {
    mode: 0o600,
  });
  chmodSync(join(gitDir, HOOK_CURLRC), 0o600);
  // The compiled hook, a copy (it stays as installed when gantry is upgraded or moved, as a script
  // does); else the script. Renamed into place: a file a running push executes is never written
  // (ETXTBSY), nor a script bash is reading.
  const compiled = compiledHook(options, server);
  const bash = options.shell === "sh" ? undefined : (options.shell ?? findBash());
  const next = join(dir, `.post-receive.gantry-${process.pid}`);
  // A new file (never through a link or a file left there: exclusive), renamed over the hook.
  rmSync(next, { force: true });
  try {
    if (compiled) copyFileSync(compiled, next, constants.COPYFILE_EXCL);
    else writeFileSync(next, hookScript(base, options.name, bash), { mode: 0o755, flag: "wx" });
    chmodSync(next, 0o755);
    renameSync(next, hook);
  } finally {
    rmSync(next, { force: true });
  }
  return hook;
}
