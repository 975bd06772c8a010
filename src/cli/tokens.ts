import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { printable } from "./run-refs.js";
import { reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";
import { SERVER_HELP, SERVER_OPTIONS } from "./users.js";

export const TOKENS_HELP = `Usage: gantry tokens create --note N [--user LOGIN] [--scopes a,b] [--expires DATE | --expires-in 30d] [options]
       gantry tokens list [--user LOGIN] [--json] [options]
       gantry tokens revoke TOKEN_ID [--user LOGIN] [options]

Personal access tokens on a gantry server: your own (your token needs the user scope), or with
--user another user's (a site admin's token with the site_admin scope). create prints the new token
on standard output and nothing else (T=$(gantry tokens create --note ci) keeps it); it is shown
this once, the server keeps only its hash. A revoked token is refused at once.

  --note N         what the token is for; it names the token in lists (create)
  --scopes a,b     GitHub's classic scopes: repo (act with the user's roles; without it a token
                   only reads), user (manage one's own tokens), site_admin (site admins only).
                   Default: repo,user. Your own token cannot make one with a scope it lacks.
  --expires DATE   when it stops working: 2027-01-31 or 2027-01-31T12:00:00Z (default: never)
  --expires-in D   the same as a duration from now: 90s, 30m, 12h, 30d
  --user LOGIN     another user's tokens (site admin)
  --json           the tokens as JSON, in the API's shape (list)
${SERVER_HELP}`;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The expiry to send: --expires as given (the server checks it), or now plus --expires-in. */
export function expiryOf(expires: string | undefined, expiresIn: string | undefined): string | undefined {
  if (expires !== undefined && expiresIn !== undefined)
    throw new UsageError("gantry tokens create: give --expires or --expires-in, not both");
  if (expiresIn === undefined) return expires;
  const m = /^([1-9][0-9]{0,5})([smhd])$/.exec(expiresIn);
  if (!m)
    throw new UsageError(
      `--expires-in expects a number and a unit (s, m, h, d), e.g. 30d, got '${expiresIn}'`,
    );
  return new Date(Date.now() + Number(m[1]) * UNIT_MS[m[2]]).toISOString();
}

function tokenId(given: string | undefined): number {
  if (!given || !/^[1-9][0-9]*$/.test(given))
    throw new UsageError(`expected a token's id (see gantry tokens list), got '${given ?? ""}'`);
  return Number(given);
}

export async function tokensCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SERVER_OPTIONS,
      note: { type: "string" },
      user: { type: "string" },
      scopes: { type: "string" },
      expires: { type: "string" },
      "expires-in": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, arg, ...extra] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(TOKENS_HELP);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UsageError(`gantry tokens ${sub}: unexpected argument '${extra[0]}'`);
  const user = values.user === undefined ? undefined : encodeURIComponent(values.user);
  const base = user ? `/admin/users/${user}/authorizations` : "/user/tokens";
  const client = new ServerClient(values);
  try {
    switch (sub) {
      case "create": {
        if (arg !== undefined) throw new UsageError(`gantry tokens create: unexpected argument '${arg}'`);
        if (values.note === undefined)
          throw new UsageError("gantry tokens create needs --note (what the token is for)");
        const expiresAt = expiryOf(values.expires, values["expires-in"]);
        const scopes = values.scopes
          ?.split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "");
        const made = await client.json("POST", base, {
          note: values.note,
          ...(scopes ? { scopes } : {}),
          ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
        });
        process.stdout.write(`${made.token}\n`);
        process.stderr.write(
          `✓ Token ${made.id} '${printable(made.note)}' for ${made.user.login} (scopes: ${made.scopes.join(", ") || "none"}; ${
            made.expires_at ? `expires ${made.expires_at}` : "no expiry"
          }). It is shown this once: keep it now.\n`,
        );
        return 0;
      }
      case "list": {
        if (arg !== undefined) throw new UsageError(`gantry tokens list: unexpected argument '${arg}'`);
        const tokens = await client.json("GET", base);
        if (values.json) {
          process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
          return 0;
        }
        if (tokens.length === 0) {
          process.stdout.write("No tokens.\n");
          return 0;
        }
        const now = Date.now();
        const rows = [["ID", "NOTE", "SCOPES", "ENDS IN", "CREATED", "EXPIRES"]];
        for (const t of tokens) {
          const expired = t.expires_at !== null && Date.parse(t.expires_at) <= now;
          rows.push([
            String(t.id),
            printable(t.note),
            t.scopes.join(","),
            `…${t.token_last_eight ?? ""}`,
            t.created_at,
            t.expires_at === null ? "never" : `${t.expires_at}${expired ? " (expired)" : ""}`,
          ]);
        }
        process.stdout.write(textTable(rows));
        return 0;
      }
      case "revoke": {
        const id = tokenId(arg);
        await client.fetch("DELETE", `${base}/${id}`);
        process.stdout.write(`✓ Token ${id} revoked: it is refused from now on\n`);
        return 0;
      }
      default:
        throw new UsageError(`gantry tokens: unknown subcommand '${sub}' (create, list, revoke)`);
    }
  } catch (err) {
    return reportApiError(err);
  }
}
