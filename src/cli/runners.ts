import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { printable } from "./run-refs.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";

export const RUNNERS_HELP = `Usage: gantry runners list [--repo OWNER/NAME | --server-wide] [--json] [options]
       gantry runners rm ID|NAME [--repo OWNER/NAME | --server-wide] [options]
       gantry runners token [--repo OWNER/NAME | --server-wide] [options]

The runners of a gantry server, as GitHub's self-hosted runners API gives them: a repository's
runner machines (its admins), or with --server-wide every runner of the server (site admins): the
built-in pool (id 0), the server-wide runner machines and every repository's. list shows each
one's status (online while it was heard from within the last minute), labels and the jobs it runs
now; rm removes one (its credential stops working at once; a job it ran is handled as a lost
runner's); token prints a registration token (one hour) on stdout, for
gantry runner --server URL --token TOKEN.

  --server-wide    every runner of the server; token: one for server-wide runners (site admins)
  --json           the runners as JSON, in the API's shape (list)
${CLIENT_HELP}`;

interface RunnerInfo {
  id: number;
  name: string;
  status: string;
  busy: boolean;
  built_in: boolean;
  repository: string | null;
  draining: boolean;
  labels: Array<{ name: string }>;
  jobs: Array<{ id: number; name: string; repository: string }>;
}

/** Every runner at `base` (…/actions/runners), page by page. */
async function allRunners(client: ServerClient, base: string): Promise<RunnerInfo[]> {
  const all: RunnerInfo[] = [];
  for (let page = 1; ; page++) {
    const list = await client.json("GET", `${base}?per_page=100&page=${page}`);
    all.push(...(list.runners as RunnerInfo[]));
    if (list.runners.length < 100 || all.length >= list.total_count) return all;
  }
}

/** The path's runner, by id or by name (GitHub's ?name= filter). */
async function runnerOf(client: ServerClient, base: string, given: string): Promise<RunnerInfo> {
  if (/^\d+$/.test(given)) return client.json("GET", `${base}/${given}`);
  const list = await client.json("GET", `${base}?name=${encodeURIComponent(given)}`);
  const found = (list.runners as RunnerInfo[])[0];
  if (!found) throw new UsageError(`gantry runners rm: no runner named '${printable(given)}' there`);
  return found;
}

export async function runnersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      "server-wide": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, arg, ...extra] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(RUNNERS_HELP);
    return values.help ? 0 : 2;
  }
  if (!["list", "rm", "remove", "token"].includes(sub))
    throw new UsageError(`gantry runners: unknown subcommand '${sub}' (list, rm or token)`);
  if (extra.length > 0 || (sub !== "rm" && sub !== "remove" && arg !== undefined))
    throw new UsageError(`gantry runners ${sub}: unexpected argument '${extra[0] ?? arg}'`);
  if (values["server-wide"] && values.repo !== undefined)
    throw new UsageError("gantry runners: --server-wide takes no --repo");
  if (values.json && sub !== "list") throw new UsageError(`gantry runners ${sub}: --json goes with list`);
  const client = new ServerClient(values);
  try {
    const repo = values["server-wide"] ? undefined : await client.repo(values.repo);
    const base = repo ? `/repos/${repo}/actions/runners` : "/actions/runners";
    const where = repo ?? "the server";
    switch (sub) {
      case "list": {
        const runners = await allRunners(client, base);
        if (values.json) {
          process.stdout.write(`${JSON.stringify(runners, null, 2)}\n`);
          return 0;
        }
        if (runners.length === 0) {
          process.stdout.write(`No runners for ${where}.\n`);
          return 0;
        }
        const rows = [["ID", "NAME", "STATUS", ...(repo ? [] : ["JOBS OF"]), "LABELS", "RUNNING"]];
        for (const r of runners) {
          const running = r.jobs.map((j) => `${j.repository} job ${j.id} (${printable(j.name)})`).join(", ");
          rows.push([
            String(r.id),
            printable(r.name) + (r.built_in ? " (built-in)" : ""),
            r.status + (r.draining ? ", draining" : ""),
            ...(repo ? [] : [r.repository ?? "every repository"]),
            r.labels.map((l) => printable(l.name)).join(","),
            running || (r.busy ? "busy" : "idle"),
          ]);
        }
        process.stdout.write(textTable(rows));
        return 0;
      }
      case "token": {
        const made = await client.json("POST", `${base}/registration-token`);
        // The token alone on stdout (TOKEN=$(gantry runners token)); how to use it on stderr.
        process.stdout.write(`${made.token}\n`);
        process.stderr.write(
          `Registration token for ${repo ? `${repo}'s runners` : "server-wide runners"}, valid until ${made.expires_at}: on the runner machine, gantry runner --server ${client.base} --token TOKEN\n`,
        );
        return 0;
      }
      default: {
        if (!arg) throw new UsageError(`gantry runners ${sub}: which runner? give its ID or NAME`);
        const runner = await runnerOf(client, base, arg);
        await client.json("DELETE", `${base}/${runner.id}`);
        process.stdout.write(`✓ Runner ${printable(runner.name)} (id ${runner.id}) removed from ${where}\n`);
        return 0;
      }
    }
  } catch (err) {
    return reportApiError(err);
  }
}
