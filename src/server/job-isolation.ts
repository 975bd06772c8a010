import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { LocalRunnerOptions } from "../runner/index.js";
import {
  HOME_CREDENTIALS,
  hostEnvForJobs,
  type JobUser,
  resolveJobUser,
  sandboxProblem,
} from "../sandbox/index.js";
import { UsageError } from "../workflow/index.js";
import type { ServerConfig } from "./config.js";

/** How the server's jobs are kept from the server: what LocalRunner is given for every job. */
export type JobIsolation = Pick<LocalRunnerOptions, "hostEnv" | "sandbox" | "toolCache">;

export interface IsolationPaths {
  dataDir: string;
  /** The config file the server read (its secrets are hidden from jobs). */
  configFile?: string;
  /** $GANTRY_HOME of the server's process, when set. */
  gantryHome?: string;
}

/** runners.user: a user of this host, other than root, that a root server can switch to. */
function jobUser(name: string): JobUser {
  if (process.getuid?.() !== 0) {
    throw new UsageError(`runners.user (${name}) needs gantry serve to run as root, to switch to that user`);
  }
  let user: JobUser;
  try {
    user = resolveJobUser(name);
  } catch (err) {
    throw new UsageError(`runners.user: ${(err as Error).message}`);
  }
  if (user.uid === 0)
    throw new UsageError(`runners.user: ${name} is root; leave runners.user out to run jobs as root`);
  return user;
}

/**
 * The jobs' environment (the allow-listed host variables and `runners.env`, nothing else of the
 * server's) and, unless `runners.isolation` is `none` or bubblewrap cannot run here, their sandbox:
 * the data directory, the config file, GANTRY_HOME and the credentials in the server user's home
 * (~/.ssh, ~/.aws …) hidden, but for the tool cache and the action store's checkouts (read-only).
 * Asking for `sandbox` where it cannot run is an error; running without one is a warning.
 */
export function jobIsolation(
  runners: ServerConfig["runners"],
  paths: IsolationPaths,
  log: (message: string) => void,
): JobIsolation {
  const dataDir = resolve(paths.dataDir);
  const toolCache = process.env.RUNNER_TOOL_CACHE || join(dataDir, "tool-cache");
  const hostEnv = { ...hostEnvForJobs(process.env), ...runners.env };
  const user = runners.user ? jobUser(runners.user) : undefined;
  if (user && runners.isolation === "none") {
    throw new UsageError(
      "runners.user needs the sandbox (runners.isolation: sandbox): without it the jobs' folders are inside the data directory, which only the server's user may enter",
    );
  }
  const problem = runners.isolation === "none" ? undefined : sandboxProblem(user);
  if ((runners.isolation === "sandbox" || user) && problem) {
    throw new UsageError(`runners.isolation is sandbox, but ${problem} (Debian: apt-get install bubblewrap)`);
  }
  if (runners.isolation === "none" || problem) {
    const why = problem ? `${problem}; install bubblewrap` : "runners.isolation is none";
    log(
      `warning: jobs run without a sandbox (${why}): a job can read and change this server's data directory (${dataDir}), its database and config, and see its processes`,
    );
    return { hostEnv, toolCache };
  }
  const hidden = [
    dataDir,
    paths.configFile,
    paths.gantryHome,
    ...HOME_CREDENTIALS.map((p) => join(homedir(), p)),
    ...runners.hidden,
  ].filter((p): p is string => Boolean(p));
  return {
    hostEnv,
    toolCache,
    sandbox: {
      user,
      hidden: hidden.map((p) => resolve(p)),
      readOnly: [toolCache, join(dataDir, "actions", "checkouts")],
      writable: runners.writable,
    },
  };
}
