import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Cancellation, EventBus } from "../engine/index.js";
import type { Json } from "../expressions/index.js";
import {
  formatProblem,
  type LoadedFile,
  listWorkflowFiles,
  loadWorkflowFiles,
  UsageError,
} from "../workflow/index.js";
import { parseDotenv, parsePairs } from "./dotenv.js";
import { HostLabels } from "./host-labels.js";
import { type LocalRepo, readLocalRepoAsync } from "./local-repo.js";
import { LogFiles } from "./log-files.js";
import { listRuns } from "./run-list.js";
import { jobClosure, matchWorkflows, runWorkflows } from "./run-workflows.js";
import { TerminalOutput, wantsColour } from "./terminal.js";

export const RUN_HELP = `Usage: gantry run [options]

Runs the workflows whose on: matches the event, in the current git checkout.

  --workflows PATH     workflow file or folder (default .github/workflows)
  --event NAME         event to simulate (default push)
  --eventpath FILE     JSON payload of the event
  --ref REF            ref of the event (default: the current branch)
  -l, --list           list the workflows and jobs the event would run (stage, needs), run nothing
  -n, --dry-run        plan without running: each job and step the event would run is shown and
                       reported (steps' if: evaluated as if earlier steps succeeded), none executes
  --job ID             run only this job (and the jobs it needs)
  --matrix K=V         run only the matrix legs whose K is V (repeatable: several values of one
                       key are alternatives, several keys must all match; legs without K pass)
  --input K=V          workflow_dispatch input (repeatable)
  --secret K=V         secret (repeatable); --secret-file FILE reads a dotenv file
  --var K=V            configuration variable (repeatable); --var-file FILE
  --platform LABEL=host
                       run jobs whose runs-on asks for LABEL on this machine anyway (repeatable);
                       without it a job asking for a label this machine is not (windows-latest,
                       macos-latest on Linux, a custom label) is skipped with a notice
  --max-jobs N         jobs at once (default: the CPU count)
  --report FILE        write the run report (JSON)
  --log-dir DIR        write one plain-text log per job
  --isolation MODE     none (default): jobs run on this machine as you; sandbox: each job in a
                       bubblewrap sandbox that hides gantry's home and your credentials (~/.ssh,
                       ~/.aws …), with a HOME of its own and none of your environment but PATH,
                       LANG, TZ and the like (for workflows you do not trust)
  --action-mirror TEMPLATE
                       where remote actions (owner/repo@ref) come from when gantry's action
                       store has no copy: a git URL or path with {owner} and {repo}, for example
                       file:///srv/mirrors/{owner}/{repo}.git (default: $GANTRY_ACTION_MIRROR,
                       else action_mirror in $GANTRY_HOME/config.yml; see gantry actions --help)
`;

function readJson(file: string): { [key: string]: Json } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`--eventpath: ${(err as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as Json;
    if (!value || typeof value !== "object" || Array.isArray(value))
      throw new Error("the payload must be an object");
    return value as { [key: string]: Json };
  } catch (err) {
    throw new UsageError(`${file}:1:1: ${(err as Error).message}`);
  }
}

function readDotenv(file: string | undefined): Record<string, string> {
  if (!file) return {};
  try {
    return parseDotenv(readFileSync(file, "utf8"), file);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
}

/** `--matrix K=V` (or act's `K:V`), repeatable, as the values each key may take. */
function parseMatrixOptions(values: string[] | undefined): Record<string, string[]> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const value of values) {
    const at = value.includes("=") ? value.indexOf("=") : value.indexOf(":");
    const key = value.slice(0, at).trim();
    if (at <= 0 || key === "") throw new UsageError(`--matrix expects KEY=VALUE, got '${value}'`);
    out[key] = [...(out[key] ?? []), value.slice(at + 1)];
  }
  return out;
}

/** `gantry run`; `reading` is the checkout when the caller started reading it (main.ts does, early). */
export async function runCommand(argv: string[], reading?: Promise<LocalRepo>): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workflows: { type: "string" },
      event: { type: "string", default: "push" },
      eventpath: { type: "string" },
      ref: { type: "string" },
      job: { type: "string" },
      matrix: { type: "string", multiple: true },
      input: { type: "string", multiple: true },
      secret: { type: "string", multiple: true },
      "secret-file": { type: "string" },
      var: { type: "string", multiple: true },
      "var-file": { type: "string" },
      "max-jobs": { type: "string" },
      report: { type: "string" },
      "log-dir": { type: "string" },
      "action-mirror": { type: "string" },
      isolation: { type: "string" },
      platform: { type: "string", multiple: true },
      list: { type: "boolean", short: "l" },
      "dry-run": { type: "boolean", short: "n" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const cwd = process.cwd();
  const repo = await (reading ?? readLocalRepoAsync(cwd));
  const maxJobs = values["max-jobs"] === undefined ? undefined : Number(values["max-jobs"]);
  if (maxJobs !== undefined && (!Number.isInteger(maxJobs) || maxJobs < 1)) {
    throw new UsageError(`--max-jobs expects a whole number of at least 1, got '${values["max-jobs"]}'`);
  }
  const isolation = values.isolation ?? "none";
  if (isolation !== "none" && isolation !== "sandbox") {
    throw new UsageError(`--isolation expects none or sandbox, got '${isolation}'`);
  }
  const platforms = HostLabels.parseOptions(values.platform);
  const matrix = parseMatrixOptions(values.matrix);
  const secrets = { ...readDotenv(values["secret-file"]), ...parsePairs(values.secret, "--secret") };
  const vars = { ...readDotenv(values["var-file"]), ...parsePairs(values.var, "--var") };
  const inputs = parsePairs(values.input, "--input");
  const payload = values.eventpath ? readJson(values.eventpath) : undefined;

  const dir = resolve(cwd, values.workflows ?? resolve(repo.root, ".github/workflows"));
  const files = listWorkflowFiles(dir);
  if (files.length === 0) throw new UsageError(`No workflow files found at ${dir}`);
  const loaded = await loadWorkflowFiles(files, repo.root);
  // Every problem is shown; a file with errors fails on its own when the event would start it.
  for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
  const hasErrors = (f: LoadedFile) => f.problems.some((p) => p.severity === "error");
  const invalid = loaded.files.filter(hasErrors);
  const workflows = loaded.files.flatMap((f) => (f.workflow && !hasErrors(f) ? [f.workflow] : []));

  if (values.list) {
    const job = values.job;
    const plan = matchWorkflows(
      { workflows, invalid, event: values.event ?? "push", eventPayload: payload, ref: values.ref, job },
      repo,
    );
    process.stdout.write(listRuns(plan, job ? (wf) => jobClosure(wf, job) : undefined));
    return 0;
  }
  if (values["dry-run"]) process.stderr.write("Dry run: the jobs and steps below are planned, none runs.\n");

  const bus = new EventBus();
  const cancellation = new Cancellation();
  const live = Boolean(process.stdout.isTTY) && !process.env.CI;
  const colour = wantsColour(process.env, Boolean(process.stdout.isTTY));
  const terminal = new TerminalOutput(bus, process.stdout, { live, colour });
  const logs = values["log-dir"] ? new LogFiles(bus, resolve(cwd, values["log-dir"])) : undefined;
  const onSignal = () => {
    if (!cancellation.cancelled) {
      process.stderr.write("\nCancelling: always() steps still run. Press Ctrl-C again to stop at once.\n");
      cancellation.cancel();
    } else {
      process.stderr.write("\nStopping now.\n");
      cancellation.kill();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const report = await runWorkflows({
      cwd,
      repo,
      workflows,
      invalid,
      event: values.event ?? "push",
      eventPayload: payload,
      ref: values.ref,
      job: values.job,
      matrix,
      inputs,
      secrets,
      vars,
      maxJobs,
      actionMirror: values["action-mirror"],
      isolation,
      platforms,
      dryRun: values["dry-run"],
      bus,
      cancellation,
      logPath: logs ? (key, name, file) => logs.open(key, file, name) : undefined,
    });
    terminal.finish(report);
    // After the run: the artifact store's code (zip and blob stores) is not loaded before the first step.
    const { artifactsHint, pruneExpiredArtifacts } = await import("./artifacts.js");
    for (const line of await artifactsHint(report)) process.stdout.write(`${line}\n`);
    await pruneExpiredArtifacts();
    if (values.report) writeFileSync(resolve(cwd, values.report), `${JSON.stringify(report, null, 2)}\n`);
    return report.runs.every((r) => r.conclusion === "success" || r.conclusion === "skipped") ? 0 : 1;
  } finally {
    logs?.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
