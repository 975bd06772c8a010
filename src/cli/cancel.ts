import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { parseRunId } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const CANCEL_HELP = `Usage: gantry cancel RUN_ID [options]

Cancels a workflow run on a gantry server, as \`gh run cancel\` does: its running jobs are stopped
(\`always()\` steps still run) and its queued ones never start. A completed run cannot be cancelled
(exit code 1).

${CLIENT_HELP}`;

export async function cancelCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...CLIENT_OPTIONS, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(CANCEL_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("gantry cancel expects one RUN_ID (see gantry runs)");
  const runId = parseRunId(positionals[0], "cancel");
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    await client.fetch("POST", `/repos/${repo}/actions/runs/${runId}/cancel`);
    process.stdout.write(`✓ Request to cancel workflow run ${runId} submitted.\n`);
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
