import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";
import { ENVIRONMENT_WINDOW_OPTIONS, environmentWindow } from "./since-time.js";

export const EVIDENCE_HELP = `Usage: gantry evidence --env NAME [--since TIME] [--until TIME] [--format json|csv] [options]

Change evidence for auditors (SOC 2 CC8.1): every deployment to the environment in the window,
oldest first, with the commit, the pull request that brought it, the runs of that commit and
their conclusions, who triggered it and who approved it (with comment and time), flagged where
an approver wrote the commit or started the run, or where nobody approved. Written to standard
output; the server records each export in its audit trail. Readers of the repository may take it.

  --env NAME        the environment (e.g. production)
  --since TIME      an ISO 8601 date or time (2026-12-06, 2026-12-06T01:30:00Z), or an age: 30m,
                    12h, 7d (default: from the first deployment)
  --until TIME      the window's end, not included (default: now)
  --format FORMAT   json (default) or csv (one row per deployment)
${CLIENT_HELP}`;

export async function evidenceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      ...ENVIRONMENT_WINDOW_OPTIONS,
      format: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(EVIDENCE_HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`gantry evidence takes no argument (got '${positionals[0]}')`);
  const { env, query } = environmentWindow("evidence", values);
  const format = values.format ?? "json";
  if (format !== "json" && format !== "csv")
    throw new UsageError(`--format expects json or csv, got '${format}'`);
  query.set("format", format);
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const res = await client.fetch(
      "GET",
      `/repos/${repo}/environments/${encodeURIComponent(env)}/evidence?${query}`,
    );
    const text = await res.text();
    process.stdout.write(format === "json" ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text);
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
