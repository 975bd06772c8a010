import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";

export const RUNS_HELP = `Usage: gantry runs [--branch B] [--event E] [--status S] [--limit N] [options]

Lists a repository's workflow runs on a gantry server, newest first.

  --branch B       only runs for this branch
  --event E        only runs for this event
  --status S       queued, pending, in_progress, completed, or a conclusion (success, failure …)
  --limit N        at most N runs (default 20, at most 100)
${CLIENT_HELP}`;

export async function runsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CLIENT_OPTIONS,
      branch: { type: "string" },
      event: { type: "string" },
      status: { type: "string" },
      limit: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(RUNS_HELP);
    return 0;
  }
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new UsageError(`--limit expects a whole number from 1 to 100, got '${values.limit}'`);
  }
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const query = new URLSearchParams({ per_page: String(limit) });
    for (const key of ["branch", "event", "status"] as const) if (values[key]) query.set(key, values[key]);
    const list = await client.json("GET", `/repos/${repo}/actions/runs?${query}`);
    const rows = [["ID", "RUN", "WORKFLOW", "EVENT", "BRANCH", "STATUS", "CREATED"]];
    for (const r of list.workflow_runs) {
      rows.push([
        String(r.id),
        `#${r.run_number}${r.run_attempt > 1 ? ` (attempt ${r.run_attempt})` : ""}`,
        r.name,
        r.event,
        r.head_branch,
        r.status === "completed" ? r.conclusion : r.status,
        r.created_at,
      ]);
    }
    process.stdout.write(list.workflow_runs.length ? textTable(rows) : `No runs in ${repo}.\n`);
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
