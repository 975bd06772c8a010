import { execFile } from "node:child_process";

let answer: Promise<string | undefined> | undefined;

/**
 * Why Docker cannot be used here, or undefined when `docker info` answers. Asked once per
 * process and bounded in time, so a missing or hung engine fails a job quickly, never hangs it.
 */
export function dockerUnavailable(): Promise<string | undefined> {
  answer ??= new Promise((resolve) => {
    execFile(
      "docker",
      ["info", "--format", "{{.ServerVersion}}"],
      { timeout: 10_000 },
      (err, _out, stderr) => {
        if (!err) return resolve(undefined);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === "ENOENT") return resolve("the docker command is not installed");
        if (e.killed) return resolve("`docker info` did not answer within 10 s");
        const why = String(stderr).trim().split("\n").pop() || e.message;
        resolve(`\`docker info\` failed: ${why}`);
      },
    );
  });
  return answer;
}

/** The error for something that needs a Docker engine on a machine without one. */
export function needsDocker(what: string, why: string): string {
  return `${what} needs a Docker engine, and none is usable on this machine (${why}). Run this job on a runner with Docker, or replace it with steps that run on the host.`;
}
