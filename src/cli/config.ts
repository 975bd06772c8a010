import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { badMirrorTemplate } from "../actions/index.js";
import { type Problem, UsageError } from "../workflow/index.js";

/** $GANTRY_HOME/config.yml: settings of this machine's gantry. */
export interface GantryConfig {
  /** Mirror URL template for remote actions, for example file:///srv/mirrors/{owner}/{repo}.git. */
  actionMirror?: string;
}

export function configFile(home: string): string {
  return join(home, "config.yml");
}

/** Reads $GANTRY_HOME/config.yml (absent: no settings). Throws UsageError with file:line:col when broken. */
export function readGantryConfig(home: string): GantryConfig {
  const file = configFile(home);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number | undefined, message: string): Problem => {
    const pos = lines.linePos(offset ?? 0);
    return { file, line: pos.line, col: pos.col, message, severity: "error" };
  };
  const problems: Problem[] = doc.errors.map((e) => at(e.pos[0], e.message.split("\n")[0]));
  if (problems.length === 0 && doc.contents !== null && !isMap(doc.contents)) {
    problems.push(at(doc.contents.range?.[0], "the configuration must be a mapping (key: value)"));
  }
  const config: GantryConfig = {};
  if (problems.length === 0 && isMap(doc.contents)) {
    const node = doc.contents.get("action_mirror", true);
    const value: unknown = isScalar(node) ? node.value : node;
    if (value !== undefined && value !== null) {
      const problem = typeof value === "string" ? badMirrorTemplate(value) : "must be a string";
      const pos = lines.linePos((node as { range?: [number] } | undefined)?.range?.[0] ?? 0);
      if (problem) problems.push({ file, ...pos, message: `action_mirror ${problem}`, severity: "error" });
      else config.actionMirror = value as string;
    }
  }
  if (problems.length > 0) throw new UsageError(`invalid configuration file ${file}`, problems);
  return config;
}

/** The action mirror template: --action-mirror, else GANTRY_ACTION_MIRROR, else config.yml's action_mirror. */
export function actionMirrorFor(home: string, flag: string | undefined): string | undefined {
  const fromFlag = flag !== undefined ? { value: flag, where: "--action-mirror" } : undefined;
  const env = process.env.GANTRY_ACTION_MIRROR;
  const fromEnv = env ? { value: env, where: "GANTRY_ACTION_MIRROR" } : undefined;
  const chosen = fromFlag ?? fromEnv;
  if (!chosen) return readGantryConfig(home).actionMirror;
  const problem = badMirrorTemplate(chosen.value);
  if (problem) throw new UsageError(`${chosen.where}: the action mirror template ${problem}`);
  return chosen.value;
}
