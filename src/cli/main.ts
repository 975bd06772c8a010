import { commandErrorCode, early, settle } from "./command-outcome.js";
import { gitText, readLocalRepoAsync } from "./read-checkout.js";

const HELP = `gantry: run GitHub Actions workflows on your own machines

Usage:
  gantry run [options]          run the workflows an event triggers, here (gantry run --help)
  gantry validate [FILE...]     check workflow files and report every problem
  gantry advise [--price-per-minute P]  what to pin, cache, parallelise and split, and what the
                                pipelines cost (with a server: its run history)
  gantry actions add|list|rm    manage the store remote actions resolve from (gantry actions --help)
  gantry tools add|list|rm      fill the tool cache setup-* read offline (gantry tools --help)
  gantry cache list|rm|prune    list, remove and evict actions/cache entries (gantry cache --help)
  gantry artifacts list|download|rm|prune
                                read, download and remove runs' artifacts (gantry artifacts --help)
  gantry hook install REPO --server URL  notify a gantry server of pushes to a bare repository
  gantry serve [--data DIR] [--port N] [--config FILE] [--database URL]
                                the CI server (gantry serve --help)
  gantry runner --server URL [--token T] [--labels a,b] [--slots N] [--ephemeral]
                                run a server's jobs on this machine (gantry runner --help)
  gantry migrate --from sqlite:DATA --to postgres://…
                                move a server's history from SQLite to PostgreSQL (gantry migrate --help)

A server's runs (GANTRY_SERVER, GANTRY_TOKEN; each command's --help lists its options):
  gantry runs [--workflow W] [--branch B] [--status S] [--json]   list runs, newest first
  gantry logs [RUN] [--job J] [--failed] [--follow]   a run's logs (default: the latest run)
  gantry watch [RUN]            follow a run until it completes; exits 0 when it succeeded
  gantry cancel RUN             cancel a run
  gantry approve RUN --env NAME [--reject] [--comment TEXT]
                                review a run's deployment waiting on an environment's reviewers
  gantry rerun RUN [--failed | --job J]  re-run a completed run, its failed jobs, or one job
  gantry download [RUN] [-n NAME]  download and unzip a run's artifacts
  gantry dispatch WORKFLOW [--ref REF] [--input K=V]  start a workflow_dispatch run (file or name)
  gantry hooks list|add URL|rm ID|deliveries ID  a repository's webhooks (workflow_run, workflow_job)
  gantry pr open|list|status N  a server's pull requests; status exits 0 success, 1 failure, 3 pending
  gantry secret set|list|rm [NAME] [--env E | --server-wide]  Actions secrets (sealed on this machine)
  gantry variable set|list|rm [NAME] [--env E | --server-wide]  Actions configuration variables

A server's people (GANTRY_SERVER, GANTRY_TOKEN):
  gantry users list|add LOGIN|rm LOGIN|suspend LOGIN|unsuspend LOGIN|promote LOGIN|demote LOGIN
                                manage users (site admin)
  gantry tokens create --note N [--user LOGIN]|list|revoke ID
                                personal access tokens: create prints the token, once, on stdout
  gantry runners list|rm ID|token [--repo R | --server-wide]
                                runner machines: status, labels, what each runs; remove one; a
                                registration token (printed on stdout) for gantry runner
  gantry audit export [--since TIME] > audit.jsonl   the audit trail, with its signed checkpoints
  gantry audit verify FILE --public-key KEY   exits 0 when the export is whole, else names the entry
  gantry evidence --env NAME [--since TIME] [--format json|csv]  change evidence: each deployment
                                with its commit, pull request, CI runs, trigger and approvals
  gantry metrics --env NAME [--since TIME]  delivery metrics (DORA): deployment frequency, lead
                                time for changes, change failure rate, time to restore
`;

// Each command loads on use: the server's modules (Hono, Kysely, SQLite) and the client's must not
// cost `gantry run` its start-up time, nor the run's (the workflow parser, the engine) `--version`.
// run and validate start their git processes first: git reads the checkout on another core while
// this one loads and compiles the command's code.
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run": {
        const repo = early(readLocalRepoAsync(process.cwd()));
        return await (await import("./run.js")).runCommand(rest, repo);
      }
      case "validate": {
        const root = gitText(process.cwd(), ["rev-parse", "--show-toplevel"]);
        return await (await import("./validate.js")).validateCommand(rest, root);
      }
      case "advise":
        return await (await import("./advise.js")).adviseCommand(rest);
      case "actions":
        return await (await import("./actions.js")).actionsCommand(rest);
      case "tools":
        return await (await import("./tools.js")).toolsCommand(rest);
      case "cache":
        return await (await import("./cache.js")).cacheCommand(rest);
      case "artifacts":
        return await (await import("./artifacts.js")).artifactsCommand(rest);
      case "hook":
        return await (await import("./hook.js")).hookCommand(rest);
      case "serve":
        return await (await import("./serve.js")).serveCommand(rest);
      case "runner":
        return await (await import("./runner.js")).runnerCommand(rest);
      case "migrate":
        return await (await import("./migrate.js")).migrateCommand(rest);
      case "runs":
        return await (await import("./runs.js")).runsCommand(rest);
      case "logs":
        return await (await import("./logs.js")).logsCommand(rest);
      case "watch":
        return await (await import("./watch.js")).watchCommand(rest);
      case "cancel":
        return await (await import("./cancel.js")).cancelCommand(rest);
      case "approve":
        return await (await import("./approve.js")).approveCommand(rest);
      case "rerun":
        return await (await import("./rerun.js")).rerunCommand(rest);
      case "download":
        return await (await import("./download.js")).downloadCommand(rest);
      case "hooks":
        return await (await import("./hooks.js")).hooksCommand(rest);
      case "dispatch":
        return await (await import("./dispatch.js")).dispatchCommand(rest);
      case "pr":
        return await (await import("./pr.js")).prCommand(rest);
      case "secret":
        return await (await import("./secret.js")).secretCommand(rest);
      case "variable":
        return await (await import("./variable.js")).variableCommand(rest);
      case "users":
        return await (await import("./users.js")).usersCommand(rest);
      case "tokens":
        return await (await import("./tokens.js")).tokensCommand(rest);
      case "runners":
        return await (await import("./runners.js")).runnersCommand(rest);
      case "audit":
        return await (await import("./audit.js")).auditCommand(rest);
      case "evidence":
        return await (await import("./evidence.js")).evidenceCommand(rest);
      case "metrics":
        return await (await import("./metrics.js")).metricsCommand(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      case "--version":
        process.stdout.write("gantry 0.1.0\n");
        return 0;
      default:
        process.stderr.write(`gantry: unknown command '${command}'\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    return await commandErrorCode(err, command ?? "");
  }
}

settle(main(process.argv.slice(2)));
