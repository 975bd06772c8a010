import { parseArgs } from "node:util";
import { HookInstallError, installHook } from "../triggers/index.js";
import { UsageError } from "../workflow/index.js";

export const HOOK_HELP = `Usage: gantry hook install REPO --server URL [--token TOKEN] [--name OWNER/NAME] [--force]

Installs a post-receive hook in the bare repository REPO that tells the gantry server at URL about
every push (POST URL/hooks/git with the pushed refs), so runs start without waiting for a poll.
The hook never fails or holds up a push: when the server is down it says so and the push stands.
For a server on this host over http it is a small compiled program when gantry's build made one
(and it runs here); else a bash script where the host has bash (it sends to a server on this host
itself, else runs curl), or a POSIX shell script that runs awk and curl. The URL, the token and
the name are kept in REPO/gantry-hook.curlrc (mode 0600), never on a command line.

  --server URL      the gantry server's base URL
  --token TOKEN     sent as a bearer token (the server's hook token, when it has one)
  --name OWNER/NAME the repository as the server knows it (default: matched by REPO's path)
  --force           replace a post-receive hook that is not gantry's
`;

export async function hookCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: "string" },
      token: { type: "string" },
      name: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(HOOK_HELP);
    return 0;
  }
  const [sub, repo, ...extra] = positionals;
  if (sub !== "install")
    throw new UsageError(sub ? `unknown hook command '${sub}'\n\n${HOOK_HELP}` : HOOK_HELP);
  if (!repo) throw new UsageError("gantry hook install needs the bare repository's path");
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (!values.server) throw new UsageError("gantry hook install needs --server URL");
  try {
    const hook = installHook({
      repo,
      server: values.server,
      token: values.token,
      name: values.name,
      force: values.force,
    });
    process.stdout.write(`installed ${hook}: pushes notify ${values.server}\n`);
    return 0;
  } catch (err) {
    if (err instanceof HookInstallError) throw new UsageError(err.message);
    throw err;
  }
}
