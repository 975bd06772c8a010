import { parseArgs } from "node:util";
import { UsageError } from "../workflow/index.js";
import { duration } from "./relative-time.js";
import { CLIENT_HELP, CLIENT_OPTIONS, reportApiError, ServerClient } from "./server-client.js";
import { ENVIRONMENT_WINDOW_OPTIONS, environmentWindow } from "./since-time.js";
import { textTable } from "./text-table.js";

export const METRICS_HELP = `Usage: gantry metrics --env NAME [--since TIME] [--until TIME] [--json] [options]

Delivery metrics of an environment (DORA's four keys) over a window, from its deployments that
finished in it: how often it is deployed, the lead time from a change's commit to the success of
the deployment that brought it, the share of deployments that failed, and the time from the
failure that broke the environment to the next success. Readers of the repository may take them.

  --env NAME        the environment (e.g. production)
  --since TIME      an ISO 8601 date or time (2026-12-06, 2026-12-06T01:30:00Z), or an age: 30m,
                    12h, 7d (default: 30 days before --until)
  --until TIME      the window's end, not included (default: now)
  --json            the server's answer as JSON
${CLIENT_HELP}`;

/** The server's answer (GET …/environments/{name}/metrics). */
interface Metrics {
  repository: string;
  environment: string;
  since: string;
  until: string;
  days: number;
  deployments: { succeeded: number; failed: number };
  deployment_frequency: { per_day: number; per_week: number };
  lead_time_for_changes: { changes: number; median_seconds: number | null; p90_seconds: number | null };
  change_failure_rate: number | null;
  time_to_restore: { restored: number; median_seconds: number | null; unrestored_since: string | null };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const took = (s: number | null) => (s === null ? "" : duration(s * 1000));

/** The metrics as lines a person reads. */
export function metricsText(m: Metrics): string {
  const lead = m.lead_time_for_changes;
  const restore = m.time_to_restore;
  const finished = m.deployments.succeeded + m.deployments.failed;
  const frequency =
    m.deployment_frequency.per_day >= 1
      ? `${m.deployment_frequency.per_day} a day`
      : `${m.deployment_frequency.per_week} a week`;
  const restored =
    restore.median_seconds === null
      ? "nothing restored"
      : `median ${took(restore.median_seconds)} (${plural(restore.restored, "restore")})`;
  const down = restore.unrestored_since ? `; failing since ${restore.unrestored_since}` : "";
  const rows = [
    ["Deployment frequency", `${frequency} (${plural(m.deployments.succeeded, "successful deployment")})`],
    [
      "Lead time for changes",
      lead.median_seconds === null
        ? "no changes deployed"
        : `median ${took(lead.median_seconds)}, p90 ${took(lead.p90_seconds)} (${plural(lead.changes, "change")})`,
    ],
    [
      "Change failure rate",
      m.change_failure_rate === null
        ? "no deployment finished"
        : `${Math.round(m.change_failure_rate * 100)}% (${m.deployments.failed} of ${plural(finished, "finished deployment")} failed)`,
    ],
    ["Time to restore", restored + down],
  ];
  return `${m.repository} ${m.environment}: ${m.since} to ${m.until} (${m.days} days)\n${textTable(rows)}`;
}

export async function metricsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CLIENT_OPTIONS,
      ...ENVIRONMENT_WINDOW_OPTIONS,
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(METRICS_HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`gantry metrics takes no argument (got '${positionals[0]}')`);
  const { env, query } = environmentWindow("metrics", values);
  const client = new ServerClient(values);
  try {
    const repo = await client.repo(values.repo);
    const res = await client.fetch(
      "GET",
      `/repos/${repo}/environments/${encodeURIComponent(env)}/metrics?${query}`,
    );
    const m = (await res.json()) as Metrics;
    process.stdout.write(values.json ? `${JSON.stringify(m, null, 2)}\n` : metricsText(m));
    return 0;
  } catch (err) {
    return reportApiError(err);
  }
}
