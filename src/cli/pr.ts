import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { ApiError, CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";

export const PR_HELP = `Usage: gantry pr open --head BRANCH --base BRANCH [--title T] [--body B] [options]
       gantry pr list [--state open|closed|all] [options]
       gantry pr status N [options]

Pull requests on a gantry server, between two branches of a repository it has.

  open     opens a pull request of --head into --base; its workflows run on the merge commit
  list     lists pull requests (open ones unless --state says otherwise), newest first
  status   prints pull request N's checks and exits with their state, for a merge tool to read:
             0 success: every required check (else every run) succeeded
             1 failure: a check failed or was cancelled, or head does not merge cleanly into base
             3 pending: a check has not run or not finished yet
             2 the status could not be read (bad usage, no such pull request, server unreachable)
${CLIENT_HELP}`;

/** Exit codes of `gantry pr status`. */
const EXIT = { success: 0, failure: 1, error: 2, pending: 3 } as const;

interface Pull {
  number: number;
  title: string;
  state: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  mergeable: boolean;
  merge_commit_sha: string | null;
  checks_state: "success" | "failure" | "pending";
  html_url: string;
  created_at: string;
}

function describe(pr: Pull): string {
  return `#${pr.number} ${pr.title} (${pr.head.ref} → ${pr.base.ref})`;
}

async function open(
  client: ServerClient,
  repo: string,
  values: { head?: string; base?: string; title?: string; body?: string },
) {
  if (!values.head || !values.base)
    throw new UsageError("gantry pr open needs --head BRANCH and --base BRANCH");
  const pr = (await client.json("POST", `/repos/${repo}/pulls`, {
    head: values.head,
    base: values.base,
    ...(values.title !== undefined ? { title: values.title } : {}),
    ...(values.body !== undefined ? { body: values.body } : {}),
  })) as Pull;
  process.stdout.write(`Opened ${describe(pr)}: ${pr.html_url}\n`);
  if (!pr.mergeable) {
    process.stderr.write(
      `gantry: ${pr.head.ref} does not merge cleanly into ${pr.base.ref}: no workflow runs\n`,
    );
  }
  return 0;
}

async function list(client: ServerClient, repo: string, state: string | undefined) {
  if (state !== undefined && !["open", "closed", "all"].includes(state)) {
    throw new UsageError(`--state expects open, closed or all, got '${state}'`);
  }
  const pulls = (await client.json(
    "GET",
    `/repos/${repo}/pulls?state=${state ?? "open"}&per_page=100`,
  )) as Pull[];
  const rows = [["#", "TITLE", "HEAD", "BASE", "STATE", "CHECKS", "CREATED"]];
  for (const pr of pulls) {
    rows.push([
      String(pr.number),
      pr.title,
      pr.head.ref,
      pr.base.ref,
      pr.state,
      pr.mergeable ? pr.checks_state : "conflict",
      pr.created_at,
    ]);
  }
  process.stdout.write(pulls.length ? textTable(rows) : `No ${state ?? "open"} pull requests in ${repo}.\n`);
  return 0;
}

async function status(client: ServerClient, repo: string, given: string | undefined) {
  const number = Number(given);
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(`gantry pr status expects a pull request number, got '${given ?? ""}'`);
  }
  const pr = (await client.json("GET", `/repos/${repo}/pulls/${number}`)) as Pull;
  const combined = (await client.json("GET", `/repos/${repo}/commits/${pr.head.sha}/status`)) as {
    state: Pull["checks_state"];
    statuses: { context: string; state: string; required: boolean; description: string }[];
  };
  process.stdout.write(`${describe(pr)}: ${pr.state}, head ${pr.head.sha.slice(0, 12)}\n`);
  const rows = [["CHECK", "STATE", "REQUIRED", "DETAILS"]];
  for (const s of combined.statuses)
    rows.push([s.context, s.state, s.required ? "yes" : "no", s.description]);
  if (combined.statuses.length > 0) process.stdout.write(textTable(rows));
  if (!pr.mergeable) {
    process.stdout.write(`Checks: failure: ${pr.head.ref} does not merge cleanly into ${pr.base.ref}\n`);
    return EXIT.failure;
  }
  process.stdout.write(`Checks: ${combined.state}\n`);
  return EXIT[combined.state];
}

export async function prCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      head: { type: "string" },
      base: { type: "string" },
      title: { type: "string" },
      body: { type: "string" },
      state: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(PR_HELP);
    return values.help ? 0 : 2;
  }
  if (!["open", "list", "status"].includes(sub)) {
    throw new UsageError(`gantry pr: unknown command '${sub}' (open, list or status)`);
  }
  if (rest.length > (sub === "status" ? 1 : 0))
    throw new UsageError(`gantry pr ${sub}: unexpected '${rest.at(-1)}'`);
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    if (sub === "open") return await open(client, repo, values);
    if (sub === "list") return await list(client, repo, values.state);
    return await status(client, repo, rest[0]);
  } catch (err) {
    if (sub === "status" && err instanceof ApiError) {
      reportApiError(err);
      return EXIT.error;
    }
    return reportApiError(err);
  }
}
