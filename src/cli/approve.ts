import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { parseRunId } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const APPROVE_HELP = `Usage: gantry approve RUN_ID --env NAME [--reject] [--comment TEXT] [options]

Approves (or, with --reject, rejects) a run's deployment to an environment whose required
reviewers it waits for, as GitHub's "Review deployments". You must be one of the environment's
required reviewers (not the one who started the run when it prevents self-review), or a repository
admin when the environment lets admins bypass its rules. One approval lets every job of the run's
attempt that deploys to the environment go on (matrix legs and later jobs alike). A rejection fails
the waiting jobs and so the run. Exit code 1 when the run does not wait on that environment.

  --env NAME       the environment (repeat it to review several at once)
  --reject         reject instead of approve
  --comment TEXT   a comment kept with the review (GET …/runs/RUN_ID/approvals)
${CLIENT_HELP}`;

export async function approveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      env: { type: "string", multiple: true },
      reject: { type: "boolean" },
      comment: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(APPROVE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("gantry approve expects one RUN_ID (see gantry runs)");
  const runId = parseRunId(positionals[0], "approve");
  const names = values.env ?? [];
  if (names.length === 0) throw new UsageError("gantry approve needs --env NAME: the environment to review");
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const path = `/repos/${repo}/actions/runs/${runId}/pending_deployments`;
    const pending = (await client.json("GET", path)) as Array<{ environment: { id: number; name: string } }>;
    const ids: number[] = [];
    for (const name of names) {
      const found = pending.find((p) => p.environment.name.toLowerCase() === name.toLowerCase());
      if (!found) {
        const waits = pending.map((p) => p.environment.name);
        process.stderr.write(
          `gantry: run ${runId} does not wait on the environment ${name}${waits.length > 0 ? ` (it waits on ${waits.join(", ")})` : " (it waits on none)"}\n`,
        );
        return 1;
      }
      ids.push(found.environment.id);
    }
    const state = values.reject ? "rejected" : "approved";
    const [review] = (await client.json("POST", path, {
      environment_ids: ids,
      state,
      comment: values.comment ?? "",
    })) as Array<{ bypass?: boolean }>;
    const verb = values.reject ? "Rejected" : "Approved";
    const how = review?.bypass ? " (bypassing the environment's protection rules as an admin)" : "";
    process.stdout.write(`✓ ${verb} the deployment of run ${runId} to ${names.join(", ")}${how}.\n`);
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
