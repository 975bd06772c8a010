import { spawnProcess } from "../spawner/index.js";
import type { ExtraMounts, Sandbox } from "./sandbox.js";

export interface CommandOptions {
  cwd: string;
  /** Default: this process's environment on the host, PATH alone in a sandbox. */
  env?: NodeJS.ProcessEnv;
  /** The job's sandbox: the command runs as the job's own processes do. On the host when absent. */
  sandbox?: Sandbox;
  extra?: ExtraMounts;
  /** Written to the command's standard input (closed at once when absent). */
  input?: string;
}

/** Output kept of a helper command (git's, tar's): enough for its answers and its errors. */
const MAX_OUTPUT = 256 * 1024 * 1024;

/**
 * Runs a helper command of a built-in action (git for checkout, tar for the cache) and resolves with
 * its output, or rejects with its stderr. In a job's sandbox it sees and changes only what the job's
 * own steps could: a built-in action run by the server must not do for a job what the job may not.
 */
export function runCommand(
  command: string,
  args: string[],
  opts: CommandOptions,
): Promise<{ stdout: string; stderr: string }> {
  // A process in the sandbox is visible to the job's own (/proc/PID/environ): nothing of the
  // server's environment goes in with it.
  const env = opts.env ?? (opts.sandbox ? { PATH: process.env.PATH ?? "/usr/bin:/bin" } : process.env);
  const stdin = opts.input === undefined ? "ignore" : "pipe";
  const extra = (opts.extra?.readOnly?.length ?? 0) + (opts.extra?.writable?.length ?? 0) > 0;
  // By the job's launcher when the command needs no mounts of its own.
  const launched = extra
    ? undefined
    : opts.sandbox?.launch?.(command, args, { cwd: opts.cwd, env, stdio: [stdin, "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    const line = launched
      ? undefined
      : (opts.sandbox?.command(command, args, opts.cwd, opts.extra) ?? { command, args, fds: [] });
    const child =
      launched ??
      spawnProcess(line?.command ?? command, line?.args ?? args, {
        cwd: opts.cwd,
        env,
        stdio: [stdin, "pipe", "pipe", ...(line?.fds ?? [])],
      });
    child.stdin?.on("error", () => undefined).end(opts.input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) into.push(chunk);
    };
    child.stdout?.on("data", keep(out));
    child.stderr?.on("data", keep(err));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolve({ stdout, stderr });
      else {
        const why = stderr.trim() || (signal ? `killed by ${signal}` : `exit code ${code}`);
        reject(Object.assign(new Error(`${command} failed: ${why}`), { stderr, code }));
      }
    });
  });
}

/**
 * Copies files from `fromDir` into `toDir` in the job's sandbox, as the job: links are followed as
 * the job sees them and files are written with its rights, so a link a step planted can neither
 * bring the server's files in nor send them out. `names` are relative to `fromDir` (all of it when
 * absent). The folder the job may not see (`fromDir` or `toDir`) is shown to this command alone.
 */
export async function copyInSandbox(
  sandbox: Sandbox,
  fromDir: string,
  toDir: string,
  opts: { names?: string[]; extra: ExtraMounts },
): Promise<void> {
  const script =
    'set -o pipefail; mkdir -p -- "$2" && tar -c -h -C "$1" --null -T - -f - | tar -x --no-same-owner -C "$2" -f -';
  const names = opts.names ?? ["."];
  // --norc: bash reads ~/.bashrc when its input is a socket (as node makes it) unless told not to.
  await runCommand("bash", ["--noprofile", "--norc", "-c", script, "copy", fromDir, toDir], {
    cwd: "/",
    sandbox,
    extra: opts.extra,
    input: names.map((n) => `${n}\0`).join(""),
  });
}
