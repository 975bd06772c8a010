import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { runElapsed, timeAgo } from "./relative-time.js";
import { printable, type RunInfo, workflowFileOf } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";

export const RUNS_HELP = `Usage: gantry runs [--workflow W] [--branch B] [--event E] [--status S] [--limit N] [--json] [options]

Lists a repository's workflow runs on a gantry server, newest first, as \`gh run list\` does:
status, title, workflow, branch, event, id, elapsed time and age.

  -w, --workflow W  only runs of this workflow: its file (ci.yml) or its name (CI)
  -b, --branch B    only runs for this branch
  -e, --event E     only runs for this event
  -s, --status S    queued, pending, waiting, in_progress, completed, or a conclusion (success, failure …)
  -L, --limit N     at most N runs (default 20, at most 100)
  --json            the runs as JSON, in the API's shape (GitHub's workflow runs), instead of a table
${CLIENT_HELP}`;

const TITLE_WIDTH = 60;

function title(run: RunInfo): string {
  const text = printable(run.display_title);
  return text.length > TITLE_WIDTH ? `${text.slice(0, TITLE_WIDTH - 1)}…` : text;
}

export async function runsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CLIENT_OPTIONS,
      workflow: { type: "string", short: "w" },
      branch: { type: "string", short: "b" },
      event: { type: "string", short: "e" },
      status: { type: "string", short: "s" },
      limit: { type: "string", short: "L" },
      json: { type: "boolean" },
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
    if (values.workflow) query.set("workflow", await workflowFileOf(client, repo, values.workflow));
    const list = await client.json("GET", `/repos/${repo}/actions/runs?${query}`);
    const runs = list.workflow_runs as RunInfo[];
    if (values.json) {
      process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write(`No runs in ${repo}.\n`);
      return 0;
    }
    const now = new Date();
    const rows = [["STATUS", "TITLE", "WORKFLOW", "BRANCH", "EVENT", "ID", "ELAPSED", "AGE"]];
    for (const r of runs) {
      rows.push([
        r.status === "completed" ? (r.conclusion ?? "completed") : r.status,
        title(r),
        printable(r.name),
        printable(r.head_branch ?? ""),
        r.event,
        String(r.id),
        runElapsed(r, now),
        timeAgo(new Date(r.created_at), now),
      ]);
    }
    process.stdout.write(textTable(rows));
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
