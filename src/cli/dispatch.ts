import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { parsePairs } from "./dotenv.js";
import { workflowFileOf } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const DISPATCH_HELP = `Usage: gantry dispatch WORKFLOW [--ref REF] [--input K=V]... [options]
       gantry dispatch --event-type TYPE [--payload JSON|@FILE] [options]

Starts a workflow_dispatch run of WORKFLOW (a file in .github/workflows, e.g. ci.yml, or a
workflow's name, e.g. CI) on a gantry server and prints the run's id. Inputs are checked against the workflow's typed inputs.

With --event-type, sends a repository_dispatch instead: every workflow of the default branch
whose \`on: repository_dispatch\` takes TYPE runs, with the payload as
github.event.client_payload (a JSON object of at most 10 top-level properties).

  --ref REF            branch, tag or commit (default: the repository's default branch)
  --input K=V          an input (repeatable)
  --event-type TYPE    repository_dispatch's event type (github.event.action), at most 100 characters
  --payload JSON|@FILE the client_payload, written out or read from FILE
${CLIENT_HELP}`;

/** --payload's JSON object, from the argument or (@FILE) the file. */
function readPayload(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  let text = value;
  if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch (err) {
      throw new UsageError(`--payload: cannot read ${value.slice(1)}: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--payload is not JSON: ${(err as Error).message}`);
  }
}

export async function dispatchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      ref: { type: "string" },
      input: { type: "string", multiple: true },
      "event-type": { type: "string" },
      payload: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(DISPATCH_HELP);
    return 0;
  }
  const eventType = values["event-type"];
  if (eventType !== undefined) {
    if (positionals.length > 0 || values.ref !== undefined || values.input !== undefined) {
      throw new UsageError(
        "gantry dispatch --event-type sends a repository_dispatch: it takes no WORKFLOW, --ref or --input",
      );
    }
  } else {
    if (values.payload !== undefined) throw new UsageError("--payload goes with --event-type");
    if (positionals.length !== 1)
      throw new UsageError("gantry dispatch expects one WORKFLOW (e.g. ci.yml or CI)");
  }
  const payload = readPayload(values.payload);
  const inputs = parsePairs(values.input, "--input");
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    if (eventType !== undefined) {
      await client.fetch("POST", `/repos/${repo}/dispatches`, {
        event_type: eventType,
        ...(payload === undefined ? {} : { client_payload: payload }),
      });
      process.stdout.write(`repository_dispatch '${eventType}' sent to ${repo}\n`);
      return 0;
    }
    const workflow = await workflowFileOf(client, repo, positionals[0], values.ref);
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
    // The run's page, as gh prints it (html_url; run_url is the API's).
    process.stdout.write(`Run ${answer.workflow_run_id} queued: ${answer.html_url ?? answer.run_url}\n`);
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
