import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultRunnerName, RunnerMachine } from "../remote-runner/index.js";
import { jobIsolation, parseServerConfig } from "../server/index.js";
import { UsageError } from "../workflow/index.js";
import { gantryHome } from "./run-workflows.js";

export const RUNNER_HELP = `Usage: gantry runner --server URL [--token T] [--labels a,b] [--slots N] [--name NAME]
                    [--work DIR] [--ephemeral] [--isolation sandbox|none] [--drain-timeout S]

Runs jobs of a gantry server on this machine: registers with a registration token (made by
POST …/actions/runners/registration-token, or server-wide by a site admin), then pulls the jobs
whose runs-on its labels satisfy. It needs Node.js and git; it shares no disk with the server:
a job's commit, its actions, the cache and the artifacts come over HTTP.

  --server URL[,URL]  the server, as this machine reaches it; several servers of one database,
                      comma-separated: a request that cannot reach one goes to the next
  --token T           a registration token (or GANTRY_RUNNER_TOKEN); only needed the first time:
                      the runner keeps its own credential in WORK/.runner (0600)
  --labels a,b        labels beyond self-hosted, the OS (linux) and the architecture (x64)
  --slots N           jobs at once (default 1)
  --name NAME         unique on the server (default: this host's name)
  --work DIR          mirrors, actions, the jobs' folders (default: $GANTRY_HOME/runner)
  --ephemeral         take one job, then remove the registration and exit (for autoscalers)
  --isolation MODE    sandbox (bubblewrap, the default where it runs): a job cannot read the
                      runner's credential or its other folders; none: jobs run as this user
  --drain-timeout S   on SIGTERM, running jobs may finish for S seconds (default 600), then
                      they are handed back to the server; no new job is taken meanwhile
`;

export async function runnerCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: "string" },
      token: { type: "string" },
      labels: { type: "string" },
      slots: { type: "string" },
      name: { type: "string" },
      work: { type: "string" },
      ephemeral: { type: "boolean" },
      isolation: { type: "string" },
      "drain-timeout": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(RUNNER_HELP);
    return 0;
  }
  const servers = (values.server ?? "")
    .split(",")
    .map((u) => u.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  const bad = servers.find((u) => !/^https?:\/\/\S+$/.test(u));
  if (servers.length === 0 || bad !== undefined) {
    throw new UsageError(
      `--server must be the server's http(s) URL, or several comma-separated${bad ? ` (got '${bad}')` : ""}`,
    );
  }
  const slots = Number(values.slots ?? 1);
  if (!Number.isInteger(slots) || slots < 1 || slots > 64)
    throw new UsageError(`--slots must be 1 to 64 (got '${values.slots}')`);
  const drainSeconds = Number(values["drain-timeout"] ?? 600);
  if (!Number.isFinite(drainSeconds) || drainSeconds < 0)
    throw new UsageError(`--drain-timeout must be seconds (got '${values["drain-timeout"]}')`);
  if (values.isolation !== undefined && values.isolation !== "sandbox" && values.isolation !== "none") {
    throw new UsageError(`--isolation must be sandbox or none (got '${values.isolation}')`);
  }
  const labels = (values.labels ?? "")
    .split(",")
    .map((l) => l.trim())
    .filter(Boolean);
  const workDir = resolve(values.work ?? resolve(gantryHome(), "runner"));
  const log = (message: string) => process.stderr.write(`gantry runner: ${message}\n`);
  // The runner's jobs are kept from its folders as the server's are from its data directory.
  const runners = parseServerConfig({ runners: { isolation: values.isolation } }).runners;
  const isolation = jobIsolation(runners, { dataDir: workDir }, log);
  const machine = new RunnerMachine({
    servers,
    token: values.token ?? process.env.GANTRY_RUNNER_TOKEN,
    labels,
    slots,
    name: values.name ?? defaultRunnerName(),
    ephemeral: values.ephemeral === true,
    workDir,
    isolation,
    version: "0.1.0",
    log,
  });
  const me = await machine.register();
  log(
    `registered as ${me.name} (id ${me.id}) with ${servers.join(", ")}; ${slots} slot(s); waiting for jobs`,
  );
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: stopping now; the server takes the running jobs back when their lease runs out`);
      process.exit(1);
    }
    log(`${signal}: draining: running jobs may finish within ${drainSeconds} s; no new job is taken`);
    stopping = machine.stop(drainSeconds * 1000);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await machine.run();
  await stopping;
  log("stopped");
  return 0;
}
