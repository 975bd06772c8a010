import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { parseRunId } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const RERUN_HELP = `Usage: gantry rerun RUN_ID [--failed] [options]

Re-runs a completed workflow run on a gantry server as a new attempt, as \`gh run rerun\` does:
all its jobs, or only the failed ones (and what depends on them).

  --failed   re-run only the failed and cancelled jobs, and the jobs that need them
${CLIENT_HELP}`;

export async function rerunCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      failed: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(RERUN_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("gantry rerun expects one RUN_ID (see gantry runs)");
  const runId = parseRunId(positionals[0], "rerun") as number;
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const run = `/repos/${repo}/actions/runs/${runId}`;
    if (values.failed) {
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
