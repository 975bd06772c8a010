import { resolve } from "node:path";
import { gitOut } from "../triggers/index.js";
import { formatProblem, listWorkflowFiles, loadWorkflowFiles, UsageError } from "../workflow/index.js";
import { remoteActionWarnings } from "./validate-actions.js";

export const VALIDATE_HELP = `Usage: gantry validate [FILE|DIR]...

Checks workflow files without running anything (default .github/workflows).
Prints every problem as file:line:col: message; exits 0 when there is no error, 2 otherwise.
`;

export async function validateCommand(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(VALIDATE_HELP);
    return 0;
  }
  const unknown = argv.find((a) => a.startsWith("-"));
  if (unknown) throw new UsageError(`Unknown option '${unknown}'`);
  const cwd = process.cwd();
  const root = gitOut(cwd, ["rev-parse", "--show-toplevel"]) ?? cwd;
  const targets = argv.length > 0 ? argv : [resolve(root, ".github/workflows")];
  const files = targets.flatMap((t) => {
    const found = listWorkflowFiles(resolve(cwd, t));
    if (found.length === 0) throw new UsageError(`No workflow files found at ${t}`);
    return found;
  });
  const { problems, workflows } = await loadWorkflowFiles(files, root);
  problems.push(...(await remoteActionWarnings(workflows)));
  for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
  const errors = problems.filter((p) => p.severity === "error").length;
  process.stdout.write(
    errors === 0
      ? `${files.length} workflow file(s) valid\n`
      : `${errors} error(s) in ${files.length} file(s)\n`,
  );
  return errors === 0 ? 0 : 2;
}
