import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { type JobInfo, jobsOf, parseRunId, pickJob, printable, type RunInfo, runOf } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";

export const LOGS_HELP = `Usage: gantry logs [RUN_ID] [--job J] [--failed] [--follow] [options]

Prints the logs of a run's jobs on a gantry server (its latest attempt; without RUN_ID the
repository's latest run), one line per log line as \`JOB | TIME LINE\`. With --follow, prints what
is written so far, then each line as it comes, in the same form, until the run completes; the exit
code is then 0 when the run succeeded, else 1.

  --job J       only this job: its id or its name (see the run's jobs)
  --failed      only the failed jobs, and of each the steps that failed (as gh run view --log-failed)
  -f, --follow  follow the run live until it completes
${CLIENT_HELP}`;

const FAILED = new Set(["failure", "cancelled", "timed_out"]);

/** One log line as both forms print it. */
function print(job: string, line: string): void {
  process.stdout.write(`${printable(job)} | ${line}\n`);
}

/** The line's text after its timestamp. */
function textOf(line: string): string {
  return line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, "");
}

/**
 * The lines of a job's log that belong to its failed steps: each step's log starts with the
 * `##[group]NAME` and `##[endgroup]` pair the server writes as the step starts. The whole log when
 * no failed step can be told apart (the job failed before its steps).
 */
function failedStepLines(job: JobInfo, lines: string[]): string[] {
  const failed = new Set(job.steps.filter((s) => s.conclusion === "failure").map((s) => s.name));
  const steps = new Set(job.steps.map((s) => s.name));
  const kept: string[] = [];
  let inFailed = false;
  let sawStep = false;
  for (let i = 0; i < lines.length; i++) {
    const text = textOf(lines[i]);
    if (text.startsWith("##[group]") && textOf(lines[i + 1] ?? "") === "##[endgroup]") {
      const name = text.slice("##[group]".length);
      if (steps.has(name)) {
        sawStep = true;
        inFailed = failed.has(name);
      }
    }
    if (inFailed) kept.push(lines[i]);
  }
  return sawStep && kept.length > 0 ? kept : lines;
}

async function follow(client: ServerClient, run: RunInfo, job: JobInfo | undefined): Promise<number> {
  for await (const { event, data } of client.events(`/events?run_id=${run.id}`)) {
    const e = JSON.parse(data) as { job?: string; jobKey?: string; line?: string; conclusion?: string };
    if (event === "job:log") {
      if (!job || e.job === job.name) print(e.job ?? "", e.line ?? "");
    } else if (event === "run:completed") {
      process.stdout.write(`Run ${run.id} completed: ${e.conclusion}\n`);
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
      job: { type: "string", short: "j" },
      failed: { type: "boolean" },
      follow: { type: "boolean", short: "f" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(LOGS_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError("gantry logs takes at most one RUN_ID (see gantry runs)");
  if (values.follow && values.failed) {
    throw new UsageError("--failed reads a finished run's logs: it does not go with --follow");
  }
  const runId = parseRunId(positionals[0], "logs");
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    // A job's id names its run too (gh run view --job ID).
    let run: RunInfo;
    if (runId === undefined && values.job && /^\d+$/.test(values.job)) {
      const job = await client.json("GET", `/repos/${repo}/actions/jobs/${values.job}`);
      run = await runOf(client, repo, job.run_id);
    } else {
      run = await runOf(client, repo, runId);
    }
    const jobs = await jobsOf(client, repo, run.id);
    const only = values.job === undefined ? undefined : pickJob(jobs, values.job);
    if (values.follow) return await follow(client, run, only);
    for (const problem of (run as { problems?: string[] }).problems ?? [])
      process.stdout.write(`${problem}\n`);
    const chosen = (only ? [only] : jobs).filter((j) => !values.failed || FAILED.has(j.conclusion ?? ""));
    if (values.failed && chosen.length === 0) process.stderr.write(`Run ${run.id} has no failed job.\n`);
    for (const job of chosen) {
      const res = await client.fetch("GET", `/repos/${repo}/actions/jobs/${job.id}/logs`);
      const lines = (await res.text()).split("\n").filter((l) => l !== "");
      for (const line of values.failed ? failedStepLines(job, lines) : lines) print(job.name, line);
    }
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
