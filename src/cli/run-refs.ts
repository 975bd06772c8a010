import { UsageError } from "../workflow/index.js";
import type { ServerClient } from "./server-client.js";

/** A run's fields the client commands read (GitHub's workflow run shape). */
export interface RunInfo {
  id: number;
  name: string;
  display_title: string;
  run_number: number;
  run_attempt: number;
  event: string;
  head_branch: string;
  status: string;
  conclusion: string | null;
  created_at: string;
  updated_at: string;
  run_started_at: string | null;
}

/** A job's fields the client commands read (GitHub's job shape). */
export interface JobInfo {
  id: number;
  run_id: number;
  name: string;
  status: string;
  conclusion: string | null;
  steps: Array<{ name: string; status: string; conclusion: string | null; number: number }>;
}

/** A positional RUN_ID: a positive decimal integer, else a usage error naming the command. */
export function parseRunId(given: string | undefined, command: string): number | undefined {
  if (given === undefined) return undefined;
  const id = Number(given);
  if (!/^\d+$/.test(given) || !Number.isSafeInteger(id) || id < 1) {
    throw new UsageError(`gantry ${command} expects a run's id (see gantry runs), got '${given}'`);
  }
  return id;
}

/** The run RUN names, or the repository's latest run without one (as `gh run view` offers it). */
export async function runOf(client: ServerClient, repo: string, id: number | undefined): Promise<RunInfo> {
  if (id !== undefined) return client.json("GET", `/repos/${repo}/actions/runs/${id}`);
  const list = await client.json("GET", `/repos/${repo}/actions/runs?per_page=1`);
  const latest = list.workflow_runs[0] as RunInfo | undefined;
  if (!latest) throw new UsageError(`${repo} has no runs yet`);
  return latest;
}

/** The jobs of a run's latest attempt: every page of GitHub's jobs list (100 a page). */
export async function jobsOf(client: ServerClient, repo: string, runId: number): Promise<JobInfo[]> {
  const jobs: JobInfo[] = [];
  for (let page = 1; ; page++) {
    const answer = (await client.json(
      "GET",
      `/repos/${repo}/actions/runs/${runId}/jobs?per_page=100&page=${page}`,
    )) as { total_count: number; jobs: JobInfo[] };
    jobs.push(...answer.jobs);
    if (answer.jobs.length === 0 || jobs.length >= answer.total_count) return jobs;
  }
}

/** The one job `--job` names among `jobs`: its id, else its name (a matrix job's legs by prefix). */
export function pickJob(jobs: JobInfo[], given: string): JobInfo {
  const byId = jobs.find((j) => String(j.id) === given);
  if (byId) return byId;
  const named = jobs.filter((j) => j.name === given);
  const legs = named.length > 0 ? named : jobs.filter((j) => j.name.startsWith(`${given} (`));
  if (legs.length === 1) return legs[0];
  const names = jobs.map((j) => `${j.name} (${j.id})`).join(", ");
  throw new UsageError(
    legs.length === 0
      ? `no job '${given}' in this run; its jobs: ${names || "none"}`
      : `'${given}' names ${legs.length} jobs: pass one's id (${legs.map((j) => j.id).join(", ")})`,
  );
}

/**
 * The workflow file (e.g. ci.yml) a WORKFLOW argument names: a file name or path as it is, else a
 * workflow's `name:` among the repository's workflows at `ref` (default: its default branch),
 * compared without regard to case, as `gh workflow run` takes either.
 */
export async function workflowFileOf(
  client: ServerClient,
  repo: string,
  given: string,
  ref?: string,
): Promise<string> {
  if (/\.ya?ml$/i.test(given)) return given.replace(/^\.github\/workflows\//, "");
  const query = ref ? `?ref=${encodeURIComponent(ref)}` : "";
  const { workflows } = (await client.json("GET", `/repos/${repo}/actions/workflows${query}`)) as {
    workflows: Array<{ id: string; name: string }>;
  };
  const found = workflows.filter((w) => w.name.toLowerCase() === given.toLowerCase());
  if (found.length === 1) return found[0].id;
  if (found.length > 1) {
    throw new UsageError(
      `${found.length} workflows are named '${given}' (${found.map((w) => w.id).join(", ")}): name its file`,
    );
  }
  const known = workflows.map((w) => `${w.name} (${w.id})`).join(", ");
  throw new UsageError(`no workflow named '${given}' in ${repo}; its workflows: ${known || "none"}`);
}

/** A name from the server (a title, a job's name) made safe for a terminal: no control characters. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}
