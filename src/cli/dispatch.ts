import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { parsePairs } from "./dotenv.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const DISPATCH_HELP = `Usage: gantry dispatch WORKFLOW [--ref REF] [--input K=V]... [options]

Starts a workflow_dispatch run of WORKFLOW (a file in .github/workflows, e.g. ci.yml) on a
gantry server and prints the run's id. Inputs are checked against the workflow's typed inputs.

  --ref REF        branch, tag or commit (default: the repository's default branch)
  --input K=V      an input (repeatable)
${CLIENT_HELP}`;

export async function dispatchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      ref: { type: "string" },
      input: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(DISPATCH_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("gantry dispatch expects one WORKFLOW (e.g. ci.yml)");
  const workflow = positionals[0].replace(/^\.github\/workflows\//, "");
  const inputs = parsePairs(values.input, "--input");
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const ref = values.ref ?? (await client.json("GET", `/repos/${repo}`)).default_branch;
    const answer = await client.json(
      "POST",
      `/repos/${repo}/actions/workflows/${encodeURIComponent(workflow)}/dispatches`,
      {
        ref,
        inputs,
        return_run_details: true,
      },
    );
    process.stdout.write(`Run ${answer.workflow_run_id} queued: ${answer.run_url}\n`);
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
