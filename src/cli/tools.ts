import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadToolInstaller, ToolInstallError } from "../actions/index.js";
import { UsageError } from "../workflow/index.js";
import { gantryHome } from "./run-workflows.js";
import { textTable } from "./text-table.js";

export const TOOLS_HELP = `Usage: gantry tools add TOOL[@VERSION] --from DIR|ARCHIVE|URL [options]
       gantry tools add node[@VERSION] --from-npm [--npm VERSION] [--corepack VERSION|none]
       gantry tools list
       gantry tools rm TOOL@VERSION [--arch ARCH]

Fills the runner tool cache that actions/setup-node, setup-python, setup-go and setup-java read
offline: $RUNNER_TOOL_CACHE, else $GANTRY_HOME/tool-cache (--tool-cache DIR for another, such as
a server's <data>/tool-cache). TOOL is node, python, go or java; VERSION exact (22.11.0) or a
range (22, 3.12); each install lands in <tool>/<version>/<arch>/ with <arch>.complete beside it.

  add    --from DIR          a tool's unpacked folder (bin/node, bin/python3, bin/go, bin/java at
                             its top or in its only folder), copied in
         --from ARCHIVE|URL  a tar archive (.tar.gz, .tar.xz …), a file or an http(s) URL, as
                             nodejs.org, go.dev, Adoptium and actions/python-versions publish them
         --from-npm          Node.js from the npm registry your npm uses (npm_config_registry,
                             .npmrc, credentials: npm reads them, so a mirror works): bin/node from
                             node-<os>-<arch>, with npm, npx and corepack beside it as in Node.js's
                             own archives; --npm and --corepack pick their versions (default: the
                             newest whose engines accept that Node.js; --corepack none: without)
         The tool is staged, checked (no links out of it, no absolute or '..' archive members, no
         devices, no set-id bits), run to ask its version, and only then renamed into place; the
         .complete marker comes last. A tool reporting another version than asked for is refused;
         --allow-version-mismatch files it under the exact VERSION given anyway (setup-* will then
         believe that version: for tests of version matrices, never to pretend). --force replaces
         an install of the same version; --arch ARCH (default this machine's); java takes
         --distribution NAME (default temurin) and --java-package jdk|jre|jdk+fx|jre+fx.
  list   every install: tool folder, version, architecture, path (incomplete ones marked)
  rm     removes one install (its marker first, so no job picks it up half removed)
`;

/** `node@22` → ["node", "22"]; `node` → ["node", ""]. */
function toolSpec(arg: string | undefined, command: string): [string, string] {
  if (!arg) throw new UsageError(`tools ${command} needs TOOL[@VERSION] (node, python, go or java)`);
  const at = arg.indexOf("@");
  return at < 0 ? [arg, ""] : [arg.slice(0, at), arg.slice(at + 1)];
}

export async function toolsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: "string" },
      "from-npm": { type: "boolean" },
      arch: { type: "string" },
      distribution: { type: "string" },
      "java-package": { type: "string" },
      npm: { type: "string" },
      corepack: { type: "string" },
      "allow-version-mismatch": { type: "boolean" },
      force: { type: "boolean" },
      "tool-cache": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === "help") {
    process.stdout.write(TOOLS_HELP);
    return 0;
  }
  if (command === undefined)
    throw new UsageError(`gantry tools needs a command: add, list or rm\n\n${TOOLS_HELP}`);
  if (!["add", "list", "rm"].includes(command)) {
    throw new UsageError(`unknown command 'gantry tools ${command}' (expected add, list or rm)`);
  }
  const wanted = command === "list" ? 0 : 1;
  if (args.length > wanted) throw new UsageError(`tools ${command}: unexpected '${args[wanted]}'`);
  const addOnly = ["from", "from-npm", "npm", "corepack", "allow-version-mismatch", "force"] as const;
  for (const o of addOnly) {
    if (values[o] !== undefined && command !== "add")
      throw new UsageError(`--${o} belongs to gantry tools add`);
  }
  const toolCache = values["tool-cache"] || process.env.RUNNER_TOOL_CACHE || join(gantryHome(), "tool-cache");
  const { addTool, listTools, removeTool, toolArch } = await loadToolInstaller();
  const arch = toolArch(values.arch);
  try {
    switch (command) {
      case "add": {
        const [tool, spec] = toolSpec(args[0], "add");
        await addTool({
          toolCache,
          tool,
          spec,
          from: values.from,
          fromNpm: values["from-npm"],
          arch,
          distribution: values.distribution,
          javaPackage: values["java-package"],
          npm: values.npm,
          corepack: values.corepack,
          allowVersionMismatch: values["allow-version-mismatch"],
          force: values.force,
          cwd: process.cwd(),
          env: process.env,
          log: (line) => process.stdout.write(`${line}\n`),
        });
        return 0;
      }
      case "list": {
        const tools = listTools(toolCache);
        if (tools.length === 0) {
          process.stderr.write(`no tools in the tool cache (${toolCache})\n`);
          return 0;
        }
        const rows = tools.map((t) => [
          t.tool,
          t.version,
          t.arch,
          t.complete ? t.dir : `${t.dir} (incomplete)`,
        ]);
        process.stdout.write(textTable([["TOOL", "VERSION", "ARCH", "PATH"], ...rows]));
        return 0;
      }
      default: {
        const [tool, version] = toolSpec(args[0], "rm");
        if (!version)
          throw new UsageError(`tools rm needs TOOL@VERSION, the exact version gantry tools list shows`);
        const removed = await removeTool({
          toolCache,
          tool,
          version,
          arch,
          distribution: values.distribution,
          javaPackage: values["java-package"],
        });
        if (!removed) {
          process.stderr.write(
            `gantry: ${tool}@${version} (${arch}) is not in the tool cache (${toolCache})\n`,
          );
          return 1;
        }
        process.stdout.write(
          `removed ${removed.tool} ${removed.version} (${removed.arch}) from ${removed.dir}\n`,
        );
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof ToolInstallError) {
      process.stderr.write(`gantry: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
