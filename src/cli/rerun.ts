import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { jobsOf, parseRunId, pickJob } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const RERUN_HELP = `Usage: gantry rerun RUN_ID [--failed | --job J] [options]

Re-runs a completed workflow run on a gantry server as a new attempt, as \`gh run rerun\` does:
all its jobs, only the failed ones (and what depends on them), or one job (and what depends on it).

  --failed   re-run only the failed and cancelled jobs, and the jobs that need them
  --job J    re-run only this job (its id or name; a matrix job's name: all its legs) and the
             jobs that need it
${CLIENT_HELP}`;

export async function rerunCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      failed: { type: "boolean" },
      job: { type: "string", short: "j" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(RERUN_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("gantry rerun expects one RUN_ID (see gantry runs)");
  if (values.failed && values.job !== undefined) throw new UsageError("--failed and --job go one at a time");
  const runId = parseRunId(positionals[0], "rerun") as number;
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const run = `/repos/${repo}/actions/runs/${runId}`;
    if (values.job !== undefined) {
      const jobs = await jobsOf(client, repo, runId);
      // A matrix job's name stands for its legs, which the server re-runs together.
      const given = values.job;
      const job =
        jobs.find((j) => j.name === given) ??
        jobs.find((j) => j.name.startsWith(`${given} (`)) ??
        pickJob(jobs, given);
      await client.fetch("POST", `/repos/${repo}/actions/jobs/${job.id}/rerun`);
      process.stdout.write(`✓ Requested rerun of job ${job.id} (${job.name}) on run ${runId}\n`);
    } else if (values.failed) {
      await client.fetch("POST", `${run}/rerun-failed-jobs`);
      process.stdout.write(`✓ Requested rerun (failed jobs) of run ${runId}\n`);
    } else {
      await client.fetch("POST", `${run}/rerun`);
      process.stdout.write(`✓ Requested rerun of run ${runId}\n`);
    }
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
