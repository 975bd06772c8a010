import type { KeyObject } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parsePublicKey, verifyExport } from "../audit/index.js";
import { UsageError } from "../workflow/index.js";
import { reportApiError, ServerClient } from "./server-client.js";
import { sinceTime } from "./since-time.js";
import { SERVER_HELP, SERVER_OPTIONS } from "./users.js";

export const AUDIT_HELP = `Usage: gantry audit export [--since TIME] [options] > audit.jsonl
       gantry audit verify FILE --public-key KEY

The server's audit trail: every change a person or a token made, each entry carrying the SHA-256
of the one before (a hash chain), with checkpoints the server signs (Ed25519) at an interval, at
each stop and at each export.

export   writes the trail as JSON lines, with its signed checkpoints, ending with one over the last
         entry (a site admin's token). With --since, it starts at the last checkpoint before the
         first entry at or after TIME, which vouches for that entry's place in the chain: the
         export may hold a few entries older than TIME.
verify   checks an export against the server's public key (GET /api/v1/audit-log/public-key):
         exits 0 when it is whole; else names the first entry edited, removed, inserted or out
         of order, and the line, and exits 1.

  --since TIME      an ISO 8601 date or time (2026-12-06, 2026-12-06T01:30:00Z), or an age: 30m,
                    12h, 7d (export)
  --public-key KEY  the server's public key: the route's JSON, its key (base64) or pem, or a file
                    holding one; give it again for each key that signed (verify)
${SERVER_HELP}`;

async function exportTrail(values: { since?: string; server?: string; token?: string }): Promise<number> {
  const query = values.since === undefined ? "" : `?since=${encodeURIComponent(sinceTime(values.since))}`;
  const client = new ServerClient(values);
  try {
    const res = await client.fetch("GET", `/audit-log/export${query}`);
    if (!res.body) return 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
    }
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}

function publicKeys(given: string[] | undefined): KeyObject[] {
  if (!given || given.length === 0)
    throw new UsageError("gantry audit verify needs --public-key KEY (GET /api/v1/audit-log/public-key)");
  return given.map((key) => {
    // A file holding the key, else the key itself.
    const text =
      !key.trim().startsWith("-----") && !key.trim().startsWith("{") && existsSync(key)
        ? readFileSync(key, "utf8")
        : key;
    try {
      return parsePublicKey(text);
    } catch (err) {
      throw new UsageError(`--public-key: ${(err as Error).message}`);
    }
  });
}

function verifyFile(file: string | undefined, keys: string[] | undefined): number {
  if (!file)
    throw new UsageError("gantry audit verify expects the export's file (gantry audit export > FILE)");
  const publicKeyObjects = publicKeys(keys);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  const result = verifyExport(text, publicKeyObjects);
  if (!result.ok) {
    process.stderr.write(
      `${file}:${result.problem.message.replace(/^line \d+: /, `${result.problem.line}: `)}\n`,
    );
    process.stdout.write(`${file}: NOT whole: ${result.problem.kind}\n`);
    return 1;
  }
  const range =
    result.firstSeq === undefined ? "no entries" : `entries ${result.firstSeq} to ${result.lastSeq}`;
  process.stdout.write(
    `${file}: whole: ${range} (${result.entries}), ${result.checkpoints} signed checkpoint(s), the last signed at ${new Date(result.signedAt).toISOString()}\n`,
  );
  return 0;
}

export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SERVER_OPTIONS,
      since: { type: "string" },
      "public-key": { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(AUDIT_HELP);
    return values.help ? 0 : 2;
  }
  switch (sub) {
    case "export":
      if (rest.length > 0) throw new UsageError(`gantry audit export takes no argument (got '${rest[0]}')`);
      return exportTrail(values);
    case "verify":
      if (rest.length > 1) throw new UsageError(`gantry audit verify takes one file (got ${rest.length})`);
      return verifyFile(rest[0], values["public-key"]);
    default:
      throw new UsageError(`gantry audit: unknown command '${sub}' (export or verify)`);
  }
}
