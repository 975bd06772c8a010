import type { Conclusion, Status, Step } from "../store/index.js";

interface Entry {
  name: string;
  status: Status;
  conclusion: Conclusion | null;
  startedAt: string | null;
  completedAt: string | null;
  /** Its place among the job's planned steps; absent for a pre or post part. */
  planned?: number;
}

/**
 * A running job's steps as GitHub's API lists them: every planned step from the job's start
 * (`queued` until it starts), pre and post parts where they run, a planned step that never
 * started `skipped` once a later one did. The runner's reports replace it when the job ends.
 */
export class LiveSteps {
  private entries: Entry[] = [];

  plan(names: string[]): void {
    this.entries = names.map((name, planned) => ({
      name,
      status: "queued",
      conclusion: null,
      startedAt: null,
      completedAt: null,
      planned,
    }));
  }

  started(name: string, index: number | undefined, at: string): void {
    const entry: Entry = { name, status: "in_progress", conclusion: null, startedAt: at, completedAt: null };
    if (index !== undefined) {
      const found = this.entries.find((e) => e.planned === index);
      this.skipQueued((e) => e.planned !== undefined && e.planned < index, at);
      if (found) Object.assign(found, entry);
      else this.entries.push({ ...entry, planned: index });
      return;
    }
    const first = this.entries.findIndex((e) => e.planned !== undefined);
    const mainStarted = this.entries.some((e) => e.planned !== undefined && e.status !== "queued");
    if (first >= 0 && !mainStarted) {
      // A pre part: before the job's own steps.
      this.entries.splice(first, 0, entry);
      return;
    }
    // A post part: the job's own steps are over; one that never started was skipped.
    this.skipQueued((e) => e.planned !== undefined, at);
    this.entries.push(entry);
  }

  completed(name: string, conclusion: Conclusion, at: string): void {
    const open = this.entries.filter((e) => e.name === name && e.status === "in_progress").pop();
    if (!open) return;
    open.status = "completed";
    open.conclusion = conclusion;
    open.completedAt = at;
  }

  rows(jobId: number): Step[] {
    return this.entries.map((e, i) => ({
      jobId,
      number: i + 1,
      stepId: "",
      name: e.name,
      status: e.status,
      outcome: e.conclusion,
      conclusion: e.conclusion,
      outputs: {},
      startedAt: e.startedAt,
      completedAt: e.completedAt,
    }));
  }

  private skipQueued(which: (e: Entry) => boolean, at: string): void {
    for (const e of this.entries) {
      if (e.status !== "queued" || !which(e)) continue;
      e.status = "completed";
      e.conclusion = "skipped";
      e.completedAt = at;
    }
  }
}
