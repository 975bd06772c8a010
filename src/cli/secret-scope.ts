import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { ApiError, CLIENT_OPTIONS, type ServerClient } from "./server-client.js";

/** The options `gantry secret` and `gantry variable` share beside the client's. */
export const SCOPE_OPTIONS = {
  env: { type: "string" },
  "server-wide": { type: "boolean" },
  body: { type: "string", short: "b" },
} as const;

export const SCOPE_HELP = `  --env NAME       an environment's (jobs with environment: NAME get them over the repository's)
  --server-wide    the server's own, for every repository (site admins)
`;

/** The API prefix of the level asked for: a repository's, one of its environments', or the server's. */
export async function scopeBase(
  client: ServerClient,
  values: { repo?: string; env?: string; "server-wide"?: boolean },
): Promise<{ base: string; where: string }> {
  if (values["server-wide"]) {
    if (values.repo !== undefined || values.env !== undefined)
      throw new UsageError("--server-wide takes neither --repo nor --env");
    return { base: "/admin/actions", where: "the server" };
  }
  const repo = await client.repo(values.repo);
  if (values.env !== undefined) {
    if (values.env === "") throw new UsageError("--env needs an environment's name");
    const base = `/repos/${repo}/environments/${encodeURIComponent(values.env)}`;
    // As on GitHub, an environment's secrets and variables need the environment first.
    await client.json("GET", base).catch((err: unknown) => {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      throw new ApiError(
        404,
        `${repo} has no environment ${values.env}: add it first (PUT /api/v1${base}, or under the repository's environments: in the server's config file)`,
      );
    });
    return {
      base,
      where: `${repo} (environment ${values.env})`,
    };
  }
  return { base: `/repos/${repo}/actions`, where: repo };
}

/** A value from --body, else standard input (one trailing newline dropped). */
export function valueOf(body: string | undefined, what: string): string {
  if (body !== undefined) return body;
  if (process.stdin.isTTY) process.stderr.write(`Type or paste the ${what}, then Ctrl-D:\n`);
  let text: string;
  try {
    text = readFileSync(0, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the ${what} from standard input: ${(err as Error).message}`);
  }
  return text.replace(/\r?\n$/, "");
}

/** A name given on the command line: GitHub's rules are the server's, this only wants one. */
export function nameArg(sub: string, name: string | undefined, command: string): string {
  if (!name) throw new UsageError(`gantry ${command} ${sub}: which one? give its NAME`);
  return name;
}

/**
 * The command line of `gantry secret` and `gantry variable`: SUB [NAME] with the client's and the
 * scope's options, checked the same way for both; a number (the exit code) when it asked for help.
 */
export function parseScopedCommand(argv: string[], command: "secret" | "variable", help: string) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...CLIENT_OPTIONS, ...SCOPE_OPTIONS, help: { type: "boolean", short: "h" } },
  });
  const [sub, name, ...extra] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(help);
    return values.help ? 0 : 2;
  }
  if (!["set", "list", "rm"].includes(sub))
    throw new UsageError(`gantry ${command}: unknown subcommand '${sub}' (set, list or rm)`);
  if (extra.length > 0 || (sub === "list" && name !== undefined))
    throw new UsageError(`gantry ${command} ${sub}: unexpected argument '${extra[0] ?? name}'`);
  if (sub !== "set" && values.body !== undefined)
    throw new UsageError(`gantry ${command} ${sub} takes no --body`);
  return { values, sub, name };
}
