import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface ShellCommand {
  command: string;
  /** Arguments, with `{0}` standing for the script file. */
  args: string[];
  /** Extension the script file needs (python wants .py, pwsh .ps1). */
  extension: string;
}

const found = new Map<string, string | undefined>();

/** Finds an executable on PATH, as a shell would (remembered: every step asks again). */
export function which(name: string, path = process.env.PATH ?? ""): string | undefined {
  if (name.includes("/")) return name;
  const key = `${name}\0${path}`;
  if (found.has(key)) return found.get(key);
  const result = search(name, path);
  found.set(key, result);
  return result;
}

function search(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    // Most folders on PATH have no such file: asked without an exception (each costs a stack trace).
    if (!existsSync(full)) continue;
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Splits a custom shell line such as `perl -w {0}` into words, honouring simple quotes. */
function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

export class ShellError extends Error {
  readonly code = "E_SHELL";
}

/**
 * The command GitHub's runner uses for a `run:` step. With no shell given it is
 * `bash -e {0}` (no pipefail) or `sh -e {0}` when bash is missing; `shell: bash` adds
 * `--noprofile --norc -eo pipefail`.
 */
export function resolveShell(shell: string | undefined, path?: string): ShellCommand {
  const name = shell?.trim();
  if (!name) {
    return which("bash", path)
      ? { command: "bash", args: ["-e", "{0}"], extension: ".sh" }
      : { command: "sh", args: ["-e", "{0}"], extension: ".sh" };
  }
  switch (name) {
    case "bash":
      return { command: "bash", args: ["--noprofile", "--norc", "-eo", "pipefail", "{0}"], extension: ".sh" };
    case "sh":
      return { command: "sh", args: ["-e", "{0}"], extension: ".sh" };
    case "python":
      return { command: which("python", path) ? "python" : "python3", args: ["{0}"], extension: ".py" };
    case "pwsh":
      return { command: "pwsh", args: ["-command", ". '{0}'"], extension: ".ps1" };
    case "powershell":
      return { command: "powershell", args: ["-command", ". '{0}'"], extension: ".ps1" };
    case "cmd":
      throw new ShellError("shell 'cmd' exists only on Windows runners");
  }
  const words = splitWords(name);
  if (!name.includes("{0}")) {
    throw new ShellError(`custom shell '${name}' must contain '{0}', where the script file goes`);
  }
  return { command: words[0], args: words.slice(1), extension: "" };
}
