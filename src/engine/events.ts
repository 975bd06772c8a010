import type { Result } from "./report.js";

/** Everything the engine and runner announce, one map that drives terminal output, log files and (later) the live UI. */
export interface GantryEvents {
  /** title: the run's display title (its run-name, else the commit message, PR title or workflow name). */
  "run:started": { runId: string; workflow: string; file: string; title: string };
  "run:completed": { runId: string; workflow: string; conclusion: Result };
  /** A message about a whole run, such as why it was cancelled before any job started. */
  "run:annotation": { runId: string; workflow: string; level: "error" | "warning" | "notice"; text: string };
  /** The run waits for its workflow-level concurrency group (another run holds it). */
  "run:pending": { runId: string; workflow: string; group: string };
  "job:queued": { runId: string; jobKey: string; name: string };
  /** The job waits for its concurrency group (another run or job holds it). */
  "job:pending": { runId: string; jobKey: string; name: string; group: string };
  /** The job waits on its environment's protection rules (a wait timer, a reviewer's approval). */
  "job:waiting": { runId: string; jobKey: string; name: string; environment: string };
  "job:started": { runId: string; jobKey: string; name: string };
  "job:completed": { runId: string; jobKey: string; name: string; result: Result; failedStep?: string };
  /** The steps a job is about to run, named as they stand at its start (a later step's name may change). */
  "job:steps": { runId: string; jobKey: string; names: string[] };
  /** `index`: the step's place among the job's planned steps; absent for pre and post parts. */
  "step:started": { runId: string; jobKey: string; name: string; index?: number };
  "step:completed": { runId: string; jobKey: string; name: string; outcome: Result; conclusion: Result };
  /**
   * One line of job output, already masked. `header`: part of a step's header (the command it runs,
   * its `with:` and `env:`), which a log keeps and the terminal leaves out.
   */
  "job:log": { runId: string; jobKey: string; line: string; header?: boolean };
  /** An error, warning or notice; from a workflow command, with where it points when it said so. */
  "job:annotation": {
    runId: string;
    jobKey: string;
    level: string;
    text: string;
    title?: string;
    file?: string;
    line?: number;
    col?: number;
    message?: string;
  };
  /** What a step wrote to GITHUB_STEP_SUMMARY (Markdown), already masked. */
  "step:summary": { runId: string; jobKey: string; markdown: string };
}

export type EventName = keyof GantryEvents;
export type Listener<K extends EventName> = (payload: GantryEvents[K]) => void;

export class EventBus {
  private listeners = new Map<EventName, Array<(payload: never) => void>>();

  on<K extends EventName>(name: K, fn: Listener<K>): void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn as (payload: never) => void);
    this.listeners.set(name, list);
  }

  emit<K extends EventName>(name: K, payload: GantryEvents[K]): void {
    for (const fn of this.listeners.get(name) ?? []) (fn as Listener<K>)(payload);
  }
}
