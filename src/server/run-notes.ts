import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** An annotation a job raised (::error, ::warning, ::notice, or the engine's own errors). */
export interface Annotation {
  jobKey: string;
  level: string;
  /** The whole text as the log shows it. */
  text: string;
  message: string;
  title?: string;
  file?: string;
  line?: number;
  col?: number;
}

/** What a step wrote to GITHUB_STEP_SUMMARY. */
export interface Summary {
  jobKey: string;
  /** The step that wrote it, when known. */
  step: string | null;
  markdown: string;
}

/**
 * A run attempt's annotations and step summaries, as JSON lines under DIR/<run>/<attempt>/ (one
 * appended line each, already masked), so they survive a crash as the logs do.
 */
export class RunNotes {
  constructor(private readonly root: string) {}

  /** Removes every attempt's notes of a run (its repository was removed). */
  removeRun(runId: number): void {
    rmSync(join(this.root, String(runId)), { recursive: true, force: true });
  }

  private file(runId: number, attempt: number, kind: "annotations" | "summaries"): string {
    return join(this.root, String(runId), String(attempt), `${kind}.jsonl`);
  }

  private append(path: string, value: object): void {
    mkdirSync(join(path, ".."), { recursive: true });
    appendFileSync(path, `${JSON.stringify(value)}\n`);
  }

  private read<T>(path: string): T[] {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      return [];
    }
    const out: T[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        // a line cut short by a crash: the others stand
      }
    }
    return out;
  }

  addAnnotation(runId: number, attempt: number, a: Annotation): void {
    this.append(this.file(runId, attempt, "annotations"), a);
  }

  annotations(runId: number, attempt: number): Annotation[] {
    return this.read<Annotation>(this.file(runId, attempt, "annotations"));
  }

  addSummary(runId: number, attempt: number, s: Summary): void {
    this.append(this.file(runId, attempt, "summaries"), s);
  }

  summaries(runId: number, attempt: number): Summary[] {
    return this.read<Summary>(this.file(runId, attempt, "summaries"));
  }
}
