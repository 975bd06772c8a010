import { sealForKey } from "../secrets/index.js";
import { nameArg, parseScopedCommand, SCOPE_HELP, scopeBase, valueOf } from "./secret-scope.js";
import { CLIENT_HELP, reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";

export const SECRET_HELP = `Usage: gantry secret set NAME [--body VALUE] [--env NAME | --server-wide] [options]
       gantry secret list [--env NAME | --server-wide] [options]
       gantry secret rm NAME [--env NAME | --server-wide] [options]

Actions secrets on a gantry server, as GitHub keeps them: a repository's, an environment's or
the server-wide ones (a job gets its environment's over its repository's over the server's).
set reads the value from standard input (one trailing newline dropped), or --body, and seals it
on this machine with the server's public key (a libsodium sealed box), so it never crosses the
wire in clear; the server keeps it encrypted and never shows it again. Names: letters, digits
and _, not starting with a digit or GITHUB_; case-insensitive (kept upper case); 48 KB at most.
Only repository admins (and site admins) manage secrets.

  -b, --body VALUE the value (else read from standard input)
${SCOPE_HELP}${CLIENT_HELP}`;

export async function secretCommand(argv: string[]): Promise<number> {
  const parsed = parseScopedCommand(argv, "secret", SECRET_HELP);
  if (typeof parsed === "number") return parsed;
  const { values, sub, name } = parsed;
  const client = new ServerClient(values);
  try {
    const { base, where } = await scopeBase(client, values);
    switch (sub) {
      case "set": {
        const secret = nameArg(sub, name, "secret");
        const value = valueOf(values.body, "secret's value");
        const key = await client.json("GET", `${base}/secrets/public-key`);
        const encrypted = await sealForKey(value, key.key);
        const res = await client.fetch("PUT", `${base}/secrets/${encodeURIComponent(secret)}`, {
          encrypted_value: encrypted,
          key_id: key.key_id,
        });
        await res.body?.cancel();
        process.stdout.write(
          `${res.status === 201 ? "Set" : "Updated"} secret ${secret.toUpperCase()} for ${where}\n`,
        );
        return 0;
      }
      case "list": {
        const list = await client.json("GET", `${base}/secrets?per_page=100`);
        if (list.secrets.length === 0) {
          process.stdout.write(`No secrets for ${where}.\n`);
          return 0;
        }
        const rows = [["NAME", "UPDATED"]];
        for (const s of list.secrets) rows.push([s.name, s.updated_at]);
        process.stdout.write(textTable(rows));
        return 0;
      }
      default: {
        const secret = nameArg(sub, name, "secret");
        await client.json("DELETE", `${base}/secrets/${encodeURIComponent(secret)}`);
        process.stdout.write(`Removed secret ${secret.toUpperCase()} from ${where}\n`);
        return 0;
      }
    }
  } catch (err) {
    return reportApiError(err);
  }
}
