// The contract every ConcurrencyGroups implementation keeps, as golden files
// (test/golden/concurrency/decisions/*.yml): requests entering and leaving groups (`steps:`), what
// happens to each holder in order (`expected:`) and, for an implementation that can list a group,
// who runs and waits at the end (`final:`). The in-memory groups run it in
// golden-concurrency.test.ts; a store-backed implementation runs `playDecisions` on the same files.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { ConcurrencyGroups, ConcurrencyQueue, ConcurrencySlot } from "../src/engine/index.js";

type Step =
  | { acquire: string; group: string; "cancel-in-progress"?: boolean; queue?: ConcurrencyQueue }
  | { release: string }
  | { abort: string }
  | { "acquire-many": number; prefix: string; group: string; queue?: ConcurrencyQueue };

export interface DecisionsGolden {
  steps: Step[];
  expected: string[];
  /** The holders running and pending per group at the end. */
  final?: Record<string, { running?: string; pending: string[] }>;
}

/** Lists a group's holders, for implementations that can. */
export type Snapshot = (group: string) => { running?: string; pending: string[] };

const dir = fileURLToPath(new URL("./golden/concurrency/decisions/", import.meta.url));

/** Every decisions golden file, by name. */
export function decisionGoldens(): Array<{ name: string; golden: DecisionsGolden }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yml"))
    .sort()
    .map((name) => ({ name, golden: parse(readFileSync(dir + name, "utf8")) as DecisionsGolden }));
}

/** Lets settled promises run their callbacks (and a store its writes) before the next step. */
const settle = () => new Promise((r) => setImmediate(r));

/** Plays a golden file's steps against `groups`; returns what happened, to compare with the file. */
export async function playDecisions(
  groups: ConcurrencyGroups,
  golden: DecisionsGolden,
  snapshot?: Snapshot,
): Promise<{ log: string[]; final: DecisionsGolden["final"] }> {
  const log: string[] = [];
  const slots = new Map<string, ConcurrencySlot>();
  const aborts = new Map<string, AbortController>();
  const pendingAcquires: Promise<void>[] = [];
  const acquire = (holder: string, group: string, cancel: boolean, queue: ConcurrencyQueue) => {
    const abort = new AbortController();
    aborts.set(holder, abort);
    pendingAcquires.push(
      groups.acquire({ holder, group, cancelInProgress: cancel, queue }, abort.signal).then((admission) => {
        if (!admission.granted) {
          log.push(`${holder}: cancelled: ${admission.message}`);
          return;
        }
        log.push(`${holder}: running`);
        slots.set(holder, admission.slot);
        admission.slot.onSuperseded((message) => log.push(`${holder}: superseded: ${message}`));
      }),
    );
  };
  for (const step of golden.steps) {
    if ("acquire" in step) {
      acquire(step.acquire, step.group, step["cancel-in-progress"] ?? false, step.queue ?? "single");
    } else if ("acquire-many" in step) {
      for (let i = 1; i <= step["acquire-many"]; i++) {
        acquire(`${step.prefix}${i}`, step.group, false, step.queue ?? "single");
      }
    } else if ("release" in step) {
      const slot = slots.get(step.release);
      if (!slot) throw new Error(`${step.release} holds no slot`);
      await slot.release();
    } else {
      aborts.get(step.abort)?.abort();
    }
    await settle();
  }
  const final: DecisionsGolden["final"] = {};
  if (snapshot) for (const group of Object.keys(golden.final ?? {})) final[group] = snapshot(group);
  return { log, final: snapshot ? final : golden.final };
}
