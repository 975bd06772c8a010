import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { runElapsed } from "./relative-time.js";
import { jobsOf, parseRunId, printable, type RunInfo, runOf } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const WATCH_HELP = `Usage: gantry watch [RUN_ID] [options]

Follows a workflow run on a gantry server until it completes (without RUN_ID the repository's
latest run), printing each job as it starts and ends, then the jobs' results, as \`gh run watch
--exit-status\` does. The exit code is the run's result: 0 success, 1 anything else (failure,
cancelled …).

${CLIENT_HELP}`;

const ICON: Record<string, string> = { success: "✓", failure: "X", cancelled: "-", skipped: "-" };

function mark(state: string | null): string {
  return ICON[state ?? ""] ?? "*";
}

/** Prints job starts and ends until the run completes; returns its conclusion. */
async function followRun(client: ServerClient, run: RunInfo): Promise<string> {
  for (;;) {
    for await (const { event, data } of client.events(`/events?run_id=${run.id}&logs=0`)) {
      const e = JSON.parse(data) as { name?: string; conclusion?: string };
      if (event === "job:started") process.stdout.write(`* ${printable(e.name ?? "")} started\n`);
      else if (event === "job:completed") {
        process.stdout.write(`${mark(e.conclusion ?? null)} ${printable(e.name ?? "")} ${e.conclusion}\n`);
      } else if (event === "run:completed") return e.conclusion ?? "cancelled";
    }
    // The stream ended before the run did (the server restarted): look again, then listen again.
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function watchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...CLIENT_OPTIONS, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(WATCH_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError("gantry watch takes at most one RUN_ID (see gantry runs)");
  const runId = parseRunId(positionals[0], "watch");
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const run = await runOf(client, repo, runId);
    const label = `${printable(run.name)} #${run.run_number} (${run.id})`;
    if (run.status !== "completed")
      process.stdout.write(`Watching run ${label}: ${printable(run.display_title)}\n`);
    const conclusion = await followRun(client, run);
    const done = await runOf(client, repo, run.id);
    for (const job of await jobsOf(client, repo, run.id)) {
      process.stdout.write(
        `${mark(job.conclusion)} ${printable(job.name)}: ${job.conclusion ?? job.status}\n`,
      );
    }
    process.stdout.write(
      `${mark(conclusion)} Run ${label} completed with '${conclusion}' in ${runElapsed(done, new Date())}\n`,
    );
    return conclusion === "success" ? 0 : 1;
  } catch (err) {
    return reportApiError(err);
  }
}
