import { convertActionTemplate } from "@actions/workflow-parser/actions/index";
import { ErrorPolicy } from "@actions/workflow-parser/model/convert";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { isMapping } from "@actions/workflow-parser/templates/tokens/type-guards";
import { parseActionBounded } from "./bounded-parse.js";
import { toProblem } from "./load.js";
import { child, compositeStepDefs, type StepDef } from "./model.js";
import { withoutWrapperEchoes } from "./parser-quirks.js";
import type { Problem } from "./problems.js";

export interface ActionInput {
  id: string;
  required: boolean;
  default?: TemplateToken;
}

export interface ActionOutput {
  id: string;
  value?: TemplateToken;
}

export type ActionRuns =
  | { using: "composite"; steps: StepDef[] }
  | {
      using: "node12" | "node16" | "node20" | "node24";
      main: string;
      pre?: string;
      preIf?: string;
      post?: string;
      postIf?: string;
    }
  | { using: "docker"; image: string };

/** An action's metadata file (action.yml), as the runner needs it. */
export interface ActionManifest {
  file: string;
  name: string;
  inputs: ActionInput[];
  outputs: ActionOutput[];
  runs: ActionRuns;
}

const USING = new Set(["composite", "docker", "node12", "node16", "node20", "node24"]);

/** Parses an action.yml; every problem comes back with its position, none is thrown. */
export function parseActionManifest(
  file: string,
  content: string,
): { manifest?: ActionManifest; problems: Problem[] } {
  const parsed = parseActionBounded(file, content);
  const root = parsed.value;
  const problems = () => [
    ...withoutWrapperEchoes(parsed.context.errors.getErrors().map((e) => toProblem(file, e))),
    ...(parsed.limit ? [parsed.limit] : []),
  ];
  if (!root || !isMapping(root)) {
    const found = problems();
    if (found.length === 0)
      found.push({ file, line: 1, col: 1, message: "An action must be a mapping", severity: "error" });
    return { problems: found };
  }
  const template = convertActionTemplate(parsed.context, root, { errorPolicy: ErrorPolicy.TryConversion });
  // The schema wants name and description for the Marketplace; the runner runs actions without them.
  const found = problems().filter(
    (p) => !/^Required property is missing: (name|description)$/.test(p.message),
  );
  const runsToken = root.find("runs");
  const usingToken = child(runsToken, "using");
  const using = usingToken ? String(usingToken) : "";
  if (found.length === 0 && !USING.has(using)) {
    const at = usingToken?.range?.start ?? runsToken?.range?.start ?? { line: 1, column: 1 };
    found.push({
      file,
      line: at.line,
      col: at.column,
      message: `runs.using '${using}' is not one of: composite, node12, node16, node20, node24, docker`,
      severity: "error",
    });
  }
  if (found.length > 0) return { problems: found };
  const r = template.runs;
  let runs: ActionRuns;
  if (r.using === "composite")
    runs = { using: "composite", steps: compositeStepDefs(r.steps, child(runsToken, "steps")) };
  else if (r.using === "docker") runs = { using: "docker", image: r.image };
  else runs = { using: r.using, main: r.main, pre: r.pre, preIf: r.preIf, post: r.post, postIf: r.postIf };
  return {
    manifest: {
      file,
      name: template.name ?? file,
      inputs: (template.inputs ?? []).map((i) => ({
        id: i.id,
        required: i.required === true,
        default: i.default,
      })),
      outputs: (template.outputs ?? []).map((o) => ({ id: o.id, value: o.value })),
      runs,
    },
    problems: [],
  };
}
