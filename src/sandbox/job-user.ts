import { execFileSync } from "node:child_process";
import { realpathSync, statSync } from "node:fs";
import type { ExtraMounts, Sandbox, SandboxedCommand } from "./sandbox.js";

/** The user a server's jobs run as (`runners.user`), instead of the server's own. */
export interface JobUser {
  name: string;
  uid: number;
  gid: number;
}

/** Looks up a user of this host by name; throws naming the problem. */
export function resolveJobUser(name: string): JobUser {
  const id = (flag: string) => {
    try {
      return Number(
        execFileSync("id", [flag, "--", name], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
      );
    } catch {
      throw new Error(`there is no user '${name}' on this host`);
    }
  };
  return { name, uid: id("-u"), gid: id("-g") };
}

/** `command args` run as `user` (util-linux's setpriv: its uid, its group alone, no capabilities). */
export function asUser(
  user: JobUser | undefined,
  command: string,
  args: string[],
): { command: string; args: string[] } {
  if (!user) return { command, args };
  const ids = ["--reuid", String(user.uid), "--regid", String(user.gid), "--clear-groups"];
  return { command: "setpriv", args: [...ids, "--", command, ...args] };
}

/**
 * A job without a sandbox that still runs as another user (runners.user with isolation none): its
 * processes, and the built-in actions' helper commands, run as that user on the host.
 */
export class HostAsUser implements Sandbox {
  constructor(readonly user: JobUser) {}

  command(command: string, args: string[], _cwd: string, _extra?: ExtraMounts): SandboxedCommand {
    return { ...asUser(this.user, command, args), fds: [] };
  }

  toHost(path: string): string {
    return path;
  }

  toJob(path: string): string {
    return path;
  }

  /** Whether the user may read the file, by its permission bits (the folders above aside). */
  visible(path: string): boolean {
    try {
      const info = statSync(realpathSync(path));
      if (info.uid === this.user.uid) return (info.mode & 0o400) !== 0;
      if (info.gid === this.user.gid) return (info.mode & 0o040) !== 0;
      return (info.mode & 0o004) !== 0;
    } catch {
      return false;
    }
  }
}
