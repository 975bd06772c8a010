import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { printable } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";

export const HOOKS_HELP = `Usage: gantry hooks list [options]
       gantry hooks add URL [--events E,E] [--secret-file FILE|-] [--form] [options]
       gantry hooks rm HOOK_ID [options]
       gantry hooks deliveries HOOK_ID [options]

A repository's outgoing webhooks on a gantry server (GitHub's repository hooks): workflow_run and
workflow_job deliveries as runs and jobs complete, signed with X-Hub-Signature-256 when the hook has
a secret. The secret is read from a file (or - for standard input), never from the command line;
the server answers it as ********.

  --events E,E         workflow_run, workflow_job or * (default: both)
  --secret-file FILE   the secret, read from FILE (- for standard input; a trailing newline is dropped)
  --form               send application/x-www-form-urlencoded (payload=…) instead of JSON
${CLIENT_HELP}`;

function readSecret(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    const text = readFileSync(file === "-" ? 0 : file, "utf8").replace(/\r?\n$/, "");
    if (text === "") throw new UsageError(`--secret-file: ${file} is empty`);
    return text;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--secret-file: cannot read ${file}: ${(err as Error).message}`);
  }
}

function hookId(given: string | undefined): number {
  if (!given || !/^\d+$/.test(given))
    throw new UsageError(`expected a hook's id (see gantry hooks list), got '${given ?? ""}'`);
  return Number(given);
}

export async function hooksCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      events: { type: "string" },
      "secret-file": { type: "string" },
      form: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, arg, ...extra] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(HOOKS_HELP);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UsageError(`gantry hooks ${sub}: unexpected argument '${extra[0]}'`);
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const base = `/repos/${repo}/hooks`;
    switch (sub) {
      case "list": {
        const hooks = await client.json("GET", base);
        if (hooks.length === 0) {
          process.stdout.write(`No hooks in ${repo}.\n`);
          return 0;
        }
        const rows = [["ID", "URL", "EVENTS", "ACTIVE", "SECRET", "LAST"]];
        for (const h of hooks) {
          rows.push([
            String(h.id),
            printable(h.config.url),
            h.events.join(","),
            h.active ? "yes" : "no",
            h.config.secret ? "yes" : "no",
            h.last_response.code === null ? h.last_response.status : String(h.last_response.code),
          ]);
        }
        process.stdout.write(textTable(rows));
        return 0;
      }
      case "add": {
        if (!arg) throw new UsageError("gantry hooks add expects the receiver's URL");
        const secret = readSecret(values["secret-file"]);
        const events = values.events?.split(",").map((e) => e.trim());
        const hook = await client.json("POST", base, {
          config: { url: arg, content_type: values.form ? "form" : "json", ...(secret ? { secret } : {}) },
          ...(events ? { events } : {}),
        });
        process.stdout.write(
          `✓ Hook ${hook.id} added to ${repo}: ${hook.events.join(", ")} → ${printable(hook.config.url)}\n`,
        );
        return 0;
      }
      case "rm": {
        const id = hookId(arg);
        await client.fetch("DELETE", `${base}/${id}`);
        process.stdout.write(`✓ Hook ${id} removed from ${repo}\n`);
        return 0;
      }
      case "deliveries": {
        const id = hookId(arg);
        const list = await client.json("GET", `${base}/${id}/deliveries`);
        const rows = [["ID", "EVENT", "STATE", "CODE", "ATTEMPTS", "AT", "NOTE"]];
        for (const d of list) {
          rows.push([
            String(d.id),
            d.event,
            d.state,
            String(d.status_code || "-"),
            String(d.attempts),
            d.delivered_at,
            d.state === "pending" && d.next_attempt_at
              ? `next ${d.next_attempt_at}`
              : d.status === "OK"
                ? ""
                : printable(d.status),
          ]);
        }
        process.stdout.write(list.length > 0 ? textTable(rows) : `No deliveries of hook ${id} yet.\n`);
        return 0;
      }
      default:
        throw new UsageError(`gantry hooks: unknown subcommand '${sub}' (list, add, rm, deliveries)`);
    }
  } catch (err) {
    return reportApiError(err);
  }
}
