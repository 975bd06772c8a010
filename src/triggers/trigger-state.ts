// What the triggers remember per repository between polls and across restarts: the branches and
// tags last seen, and each schedule's last tick. One JSON file per repository, replaced atomically
// (written aside, then renamed), so a crash leaves the old state or the new one, never half of one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { RefMap } from "./ref-updates.js";

export interface TriggerState {
  /** Branches and tags as last seen; undefined until the first look. */
  refs?: RefMap;
  /** Schedule key (scheduleKey) → ISO time of its last tick. */
  ticks: Record<string, string>;
}

/** Reads the state; a missing file is a fresh state, an unreadable one an error naming the file. */
export function readTriggerState(file: string): TriggerState {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { ticks: {} };
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  const v = value as Partial<TriggerState> | null;
  const isMap = (m: unknown): m is Record<string, string> =>
    typeof m === "object" &&
    m !== null &&
    !Array.isArray(m) &&
    Object.values(m).every((x) => typeof x === "string");
  if (!v || (v.refs !== undefined && !isMap(v.refs)) || (v.ticks !== undefined && !isMap(v.ticks))) {
    throw new Error(`${file}: not a trigger state ({refs, ticks})`);
  }
  return { refs: v.refs, ticks: v.ticks ?? {} };
}

/** Replaces the state on disk atomically. */
export function writeTriggerState(file: string, state: TriggerState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, file);
}
