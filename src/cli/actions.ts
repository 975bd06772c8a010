import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  ActionRefNotFoundError,
  ActionStoreError,
  InvalidActionRefError,
  openActionStore,
  parseStoreRef,
} from "../actions/index.js";
import { UsageError } from "../workflow/index.js";
import { gantryHome } from "./run-workflows.js";

export const ACTIONS_HELP = `Usage: gantry actions add OWNER/REPO@REF --from <git url or dir>
       gantry actions list
       gantry actions rm OWNER/REPO@REF

Manages gantry's action store ($GANTRY_HOME/actions), where remote actions (uses: owner/repo@ref)
and reusable workflows resolve from without a network.

  add    fetches REF from --from (a git URL, or a git repository's directory) into the store and
         pins OWNER/REPO@REF to its commit; a plain directory is stored as a snapshot of its files
  list   each pinned OWNER/REPO@REF, its commit and where it came from
  rm     removes the pin (the next run resolves REF again)

A ref resolved once is pinned to its commit and reused by later runs without fetching. Refs the
store has no copy of come from the action mirror: gantry run --action-mirror TEMPLATE, else
$GANTRY_ACTION_MIRROR, else action_mirror in $GANTRY_HOME/config.yml; TEMPLATE is a git URL or
path with {owner} and {repo}, for example file:///srv/mirrors/{owner}/{repo}.git.
`;

/** True for a URL (scheme://…) or an scp-like git address (host:path), which are not local paths. */
function isUrl(from: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(from) || /^[^/\\]+:/.test(from);
}

/** owner/repo@ref of a command line: the whole repository, no path inside it. */
function repositoryRef(arg: string | undefined, command: string) {
  if (arg === undefined) throw new UsageError(`actions ${command} needs OWNER/REPO@REF`);
  let parsed: ReturnType<typeof parseStoreRef>;
  try {
    parsed = parseStoreRef(arg);
  } catch (err) {
    if (err instanceof InvalidActionRefError) throw new UsageError(err.message);
    throw err;
  }
  if (parsed.path !== "") {
    throw new UsageError(
      `actions ${command} takes a repository, OWNER/REPO@REF, not a path inside it: '${arg}' (use ${parsed.owner}/${parsed.repo}@${parsed.ref})`,
    );
  }
  return parsed;
}

export async function actionsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { from: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command, ...args] = positionals;
  if (values.help || command === "help") {
    process.stdout.write(ACTIONS_HELP);
    return 0;
  }
  if (command === undefined)
    throw new UsageError(`gantry actions needs a command: add, list or rm\n\n${ACTIONS_HELP}`);
  if (!["add", "list", "rm"].includes(command)) {
    throw new UsageError(`unknown command 'gantry actions ${command}' (expected add, list or rm)`);
  }
  const wanted = command === "list" ? 0 : 1;
  if (args.length > wanted) throw new UsageError(`actions ${command}: unexpected '${args[wanted]}'`);
  if (values.from !== undefined && command !== "add") {
    throw new UsageError(`--from belongs to gantry actions add`);
  }
  const store = openActionStore(gantryHome());
  try {
    switch (command) {
      case "add": {
        const { owner, repo, ref } = repositoryRef(args[0], "add");
        if (!values.from) throw new UsageError(`actions add ${args[0]} needs --from <git url or dir>`);
        if (!isUrl(values.from) && !existsSync(values.from)) {
          throw new UsageError(`--from ${values.from}: no such directory (nor a git URL)`);
        }
        const pin = await store.add(owner, repo, ref, values.from);
        process.stdout.write(`pinned ${pin.action} → ${pin.commit} (from ${pin.source})\n`);
        return 0;
      }
      case "list": {
        const pins = await store.list();
        if (pins.length === 0) process.stderr.write(`no actions in the store (${store.root})\n`);
        for (const pin of pins) process.stdout.write(`${pin.action} → ${pin.commit} (${pin.source})\n`);
        return 0;
      }
      default: {
        const { owner, repo, ref } = repositoryRef(args[0], "rm");
        const pin = await store.remove(owner, repo, ref);
        if (!pin) {
          process.stderr.write(`gantry: ${owner}/${repo}@${ref} is not in the action store\n`);
          return 1;
        }
        process.stdout.write(`removed ${pin.action} (was ${pin.commit})\n`);
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof ActionStoreError || err instanceof ActionRefNotFoundError) {
      process.stderr.write(`gantry: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
