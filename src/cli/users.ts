import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { printable } from "./run-refs.js";
import { reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";

/** --server and --token, the options of the commands that do not name a repository. */
export const SERVER_OPTIONS = { server: { type: "string" }, token: { type: "string" } } as const;
export const SERVER_HELP = `  --server URL     the gantry server (default: $GANTRY_SERVER, else http://127.0.0.1:8080)
  --token TOKEN    an API token (default: $GANTRY_TOKEN)
`;

export const USERS_HELP = `Usage: gantry users list [--json] [options]
       gantry users add LOGIN [--email E] [--site-admin] [options]
       gantry users rm LOGIN [options]
       gantry users suspend|unsuspend LOGIN [options]
       gantry users promote|demote LOGIN [options]

A gantry server's users, as GitHub Enterprise Server's site admins manage them. Everything but
list needs a site admin's token with the site_admin scope (the admin token has it). A login is
letters, digits and single hyphens (at most 39), unique without regard to case. A suspended user's
tokens are refused at once; the bootstrap user admin cannot be removed, suspended or demoted.
Make a user's first token with: gantry tokens create --user LOGIN --note N.

  --email E        the user's email address (add)
  --site-admin     make the new user a site admin (add)
  --json           the users as JSON, in the API's shape (list)
${SERVER_HELP}`;

interface UserInfo {
  login: string;
  id: number;
  site_admin: boolean;
  email: string | null;
  created_at: string;
  suspended_at: string | null;
}

/** GET /users page by page, following the Link header's next page as GitHub's clients do. */
async function allUsers(client: ServerClient): Promise<UserInfo[]> {
  const users: UserInfo[] = [];
  let path: string | undefined = "/users?per_page=100";
  while (path) {
    const res = await client.fetch("GET", path);
    users.push(...((await res.json()) as UserInfo[]));
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("link") ?? "")?.[1];
    path = next ? new URL(next).href.replace(/^.*?\/api\/v1/, "") : undefined;
  }
  return users;
}

function loginArg(sub: string, login: string | undefined): string {
  if (!login) throw new UsageError(`gantry users ${sub} expects a login`);
  return encodeURIComponent(login);
}

export async function usersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SERVER_OPTIONS,
      email: { type: "string" },
      "site-admin": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, arg, ...extra] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(USERS_HELP);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UsageError(`gantry users ${sub}: unexpected argument '${extra[0]}'`);
  if (sub !== "add" && (values.email !== undefined || values["site-admin"]))
    throw new UsageError(`gantry users ${sub}: --email and --site-admin go with add`);
  const client = new ServerClient(values);
  try {
    switch (sub) {
      case "list": {
        if (arg !== undefined) throw new UsageError(`gantry users list: unexpected argument '${arg}'`);
        const users = await allUsers(client);
        if (values.json) {
          process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
          return 0;
        }
        const rows = [["LOGIN", "ID", "SITE ADMIN", "SUSPENDED", "EMAIL", "CREATED"]];
        for (const u of users) {
          rows.push([
            u.login,
            String(u.id),
            u.site_admin ? "yes" : "",
            u.suspended_at ?? "",
            printable(u.email ?? ""),
            u.created_at,
          ]);
        }
        process.stdout.write(textTable(rows));
        return 0;
      }
      case "add": {
        const login = loginArg(sub, arg);
        const user = await client.json("POST", "/admin/users", {
          login: arg,
          ...(values.email !== undefined ? { email: values.email } : {}),
        });
        if (values["site-admin"]) await client.fetch("PUT", `/users/${login}/site_admin`);
        process.stdout.write(
          `✓ User ${user.login} (id ${user.id}) added${values["site-admin"] ? " as a site admin" : ""}\n`,
        );
        return 0;
      }
      case "rm": {
        await client.fetch("DELETE", `/admin/users/${loginArg(sub, arg)}`);
        process.stdout.write(`✓ User ${arg} removed, with their tokens and repository roles\n`);
        return 0;
      }
      case "suspend":
      case "unsuspend": {
        await client.fetch(sub === "suspend" ? "PUT" : "DELETE", `/users/${loginArg(sub, arg)}/suspended`);
        process.stdout.write(
          sub === "suspend"
            ? `✓ User ${arg} suspended: their tokens are refused\n`
            : `✓ User ${arg} unsuspended\n`,
        );
        return 0;
      }
      case "promote":
      case "demote": {
        await client.fetch(sub === "promote" ? "PUT" : "DELETE", `/users/${loginArg(sub, arg)}/site_admin`);
        process.stdout.write(
          sub === "promote"
            ? `✓ User ${arg} is a site admin (acting as one needs a token with the site_admin scope)\n`
            : `✓ User ${arg} is no longer a site admin\n`,
        );
        return 0;
      }
      default:
        throw new UsageError(
          `gantry users: unknown subcommand '${sub}' (list, add, rm, suspend, unsuspend, promote, demote)`,
        );
    }
  } catch (err) {
    return reportApiError(err);
  }
}
