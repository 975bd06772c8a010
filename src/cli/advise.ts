import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Advice, formatAdvice, historyAdvice, type RunRecord, workflowAdvice } from "../advise/index.js";
import {
  buildWorkflowDef,
  formatProblem,
  listWorkflowFiles,
  loadWorkflowFiles,
  UsageError,
} from "../workflow/index.js";
import { gitText } from "./read-checkout.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const ADVISE_HELP = `Usage: gantry advise [--runs N] [--price-per-minute P] [--json] [options]

Reads the checkout's workflows (.github/workflows) and says, each at its file:line:col, which
actions and images to pin to a commit or digest, which installs to cache, and which needs hold a
job back without being used (to parallelise). With a server (--server or GANTRY_SERVER, and a
token), it also reads the repository's last runs: what each workflow costs in runner minutes a week
(each job rounded up to the minute, as hosted runners bill them), and which job to split when one
takes most of its runs' time. Exits 0; advice is not an error.

  --runs N              how many of the latest completed runs to read (default 100, at most 1000)
  --price-per-minute P  the cost of a runner minute, to say what the pipelines cost in money
  --json                the advice as JSON: [{kind, file, line, col, message}]
${CLIENT_HELP}`;

interface RunJson {
  id: number;
  name: string;
  path: string;
  run_started_at: string | null;
  created_at: string;
  updated_at: string;
}
interface JobJson {
  name: string;
  started_at: string | null;
  completed_at: string | null;
  steps: Array<{ name: string; started_at: string | null; completed_at: string | null }>;
}

/** The latest `count` completed runs of the repository with their jobs. */
async function readHistory(client: ServerClient, repo: string, count: number): Promise<RunRecord[]> {
  const runs: RunJson[] = [];
  for (let page = 1; runs.length < count; page++) {
    const per = Math.min(100, count - runs.length);
    const got = (await client.json(
      "GET",
      `/repos/${repo}/actions/runs?status=completed&per_page=${per}&page=${page}`,
    )) as { workflow_runs: RunJson[] };
    runs.push(...got.workflow_runs);
    if (got.workflow_runs.length < per) break;
  }
  const records: RunRecord[] = [];
  for (const r of runs) {
    const jobs = (await client.json("GET", `/repos/${repo}/actions/runs/${r.id}/jobs?per_page=100`)) as {
      jobs: JobJson[];
    };
    records.push({
      path: r.path,
      workflow: r.name,
      startedAt: r.run_started_at ?? r.created_at,
      completedAt: r.updated_at,
      jobs: jobs.jobs.map((j) => ({
        name: j.name,
        startedAt: j.started_at,
        completedAt: j.completed_at,
        steps: j.steps.map((s) => ({ name: s.name, startedAt: s.started_at, completedAt: s.completed_at })),
      })),
    });
  }
  return records;
}

export async function adviseCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      runs: { type: "string" },
      "price-per-minute": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(ADVISE_HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`gantry advise takes no argument (got '${positionals[0]}')`);
  const count = Number(values.runs ?? "100");
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    throw new UsageError(`--runs expects a whole number from 1 to 1000, got '${values.runs}'`);
  const priceText = values["price-per-minute"];
  const price = priceText === undefined ? undefined : Number(priceText);
  if (price !== undefined && !(Number.isFinite(price) && price >= 0))
    throw new UsageError(`--price-per-minute expects a number, got '${priceText}'`);

  const cwd = process.cwd();
  const root = (await gitText(cwd, ["rev-parse", "--show-toplevel"])) ?? cwd;
  const files = listWorkflowFiles(resolve(root, ".github/workflows"));
  if (files.length === 0)
    throw new UsageError(`No workflow files found in ${resolve(root, ".github/workflows")}`);
  const { problems, workflows } = await loadWorkflowFiles(files, root);
  // A file that does not load gets no advice: said, as gantry validate says it.
  for (const p of problems.filter((x) => x.severity === "error"))
    process.stderr.write(`${formatProblem(p)}\n`);
  const advice: Advice[] = workflowAdvice(workflows.map(buildWorkflowDef));

  const server = values.server ?? process.env.GANTRY_SERVER;
  if (server) {
    try {
      const client = new ServerClient(values);
      const repo = await client.repo(values.repo);
      advice.push(...historyAdvice(await readHistory(client, repo, count), price));
    } catch (err) {
      return reportApiError(err);
    }
  } else {
    process.stderr.write(
      "gantry advise: no server named (--server or GANTRY_SERVER): advice from the workflow files alone, no cost\n",
    );
  }
  if (values.json) process.stdout.write(`${JSON.stringify(advice, null, 2)}\n`);
  else for (const a of advice) process.stdout.write(`${formatAdvice(a)}\n`);
  process.stderr.write(`${advice.length} piece(s) of advice\n`);
  return 0;
}
