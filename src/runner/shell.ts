import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface ShellCommand {
  command: string;
  /** Arguments, with `{0}` standing for the script file. */
  args: string[];
  /** Extension the script file needs (python wants .py, pwsh .ps1). */
  extension: string;
}

/** Whether each file asked about is an executable, by its path: every step asks again. */
const executables = new Map<string, boolean>();
/** Past this many files the memo starts again: each job's own folders on PATH are new paths. */
export const WHICH_MEMO_LIMIT = 4096;

/** How many files which() remembers now (for tests). */
export function whichMemoSize(): number {
  return executables.size;
}

/**
 * Finds an executable on PATH, as a shell would. Each file's answer is remembered on its own, so a
 * PATH that differs only in a job's own folders (its tools' `bin`, GITHUB_PATH's) asks the file
 * system about those folders alone.
 */
export function which(name: string, path = process.env.PATH ?? ""): string | undefined {
  if (name.includes("/")) return name;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    let known = executables.get(full);
    if (known === undefined) {
      known = isExecutable(full);
      if (executables.size >= WHICH_MEMO_LIMIT) executables.clear();
      executables.set(full, known);
    }
    if (known) return full;
  }
  return undefined;
}

function isExecutable(full: string): boolean {
  // Most folders on PATH have no such file: asked without an exception (each costs a stack trace).
  if (!existsSync(full)) return false;
  try {
    accessSync(full, constants.X_OK);
    return true;
  } catch {
    return false;
  }
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
