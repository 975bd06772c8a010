import { execFileSync } from "node:child_process";

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
