import { resolve } from "node:path";
import { formatProblem, listWorkflowFiles, loadWorkflowFiles, UsageError } from "../workflow/index.js";
import { gitText } from "./read-checkout.js";
import { remoteActionWarnings } from "./validate-actions.js";

export const VALIDATE_HELP = `Usage: gantry validate [FILE|DIR]...

Checks workflow files without running anything (default .github/workflows).
Prints every problem as file:line:col: message on stdout, and how many on stderr; exits 0 when
there is no error (warnings allowed), 2 otherwise.
`;

/** `gantry validate`; `topFolder` is git's answer when the caller asked it already (main.ts does, early). */
export async function validateCommand(
  argv: string[],
  topFolder?: Promise<string | undefined>,
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(VALIDATE_HELP);
    return 0;
  }
  const unknown = argv.find((a) => a.startsWith("-"));
  if (unknown) throw new UsageError(`Unknown option '${unknown}'`);
  const cwd = process.cwd();
  const root = (await (topFolder ?? gitText(cwd, ["rev-parse", "--show-toplevel"]))) ?? cwd;
  const targets = argv.length > 0 ? argv : [resolve(root, ".github/workflows")];
  const files = targets.flatMap((t) => {
    const found = listWorkflowFiles(resolve(cwd, t));
    if (found.length === 0) throw new UsageError(`No workflow files found at ${t}`);
    return found;
  });
  const { problems, workflows } = await loadWorkflowFiles(files, root);
  problems.push(...(await remoteActionWarnings(workflows)));
  // The problems are the output (gantry validate | less); the count is a note beside it.
  for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
  const errors = problems.filter((p) => p.severity === "error");
  const warnings = problems.length - errors.length;
  const also = warnings > 0 ? `, ${warnings} warning(s)` : "";
  process.stderr.write(
    errors.length === 0
      ? `${files.length} workflow file(s) valid${also}\n`
      : `${errors.length} error(s) in ${new Set(errors.map((p) => p.file)).size} file(s)${also}\n`,
  );
  return errors.length === 0 ? 0 : 2;
}
