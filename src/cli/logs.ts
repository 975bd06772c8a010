import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const LOGS_HELP = `Usage: gantry logs RUN_ID [--follow] [options]

Prints the logs of a run's jobs on a gantry server (its latest attempt). With --follow, prints
what is written so far, then each line as it comes until the run completes; the exit code is
then 0 when the run succeeded, else 1.

${CLIENT_HELP}`;

async function follow(client: ServerClient, runId: number): Promise<number> {
  for await (const { event, data } of client.events(`/events?run_id=${runId}`)) {
    const e = JSON.parse(data) as { job?: string; line?: string; conclusion?: string };
    if (event === "job:log") process.stdout.write(`${e.job} | ${e.line}\n`);
    else if (event === "run:completed") {
      process.stdout.write(`Run ${runId} completed: ${e.conclusion}\n`);
      return e.conclusion === "success" ? 0 : 1;
    }
  }
  return 1;
}

export async function logsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      follow: { type: "boolean", short: "f" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(LOGS_HELP);
    return 0;
  }
  const runId = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isSafeInteger(runId) || runId < 1) {
    throw new UsageError("gantry logs expects one RUN_ID (see gantry runs)");
  }
  const client = new ServerClient(values);
  try {
    if (values.follow) return await follow(client, runId);
    const repo = await client.repo(values.repo);
    const { jobs } = await client.json("GET", `/repos/${repo}/actions/runs/${runId}/jobs`);
    const run = await client.json("GET", `/repos/${repo}/actions/runs/${runId}`);
    for (const problem of run.problems ?? []) process.stdout.write(`${problem}\n`);
    for (const job of jobs) {
      const res = await client.fetch("GET", `/repos/${repo}/actions/jobs/${job.id}/logs`);
      process.stdout.write(`=== ${job.name} (${job.status === "completed" ? job.conclusion : job.status})\n`);
      process.stdout.write(await res.text());
    }
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
