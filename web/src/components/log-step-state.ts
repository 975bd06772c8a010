// The state a step of a job's log shows on the job page: the stored step's once it is known to have
// started, else what the live events and the log itself say.
import { stateOf } from "../format.js";

interface Known {
  status: string;
  conclusion: string | null;
}

/**
 * The state of the log's step `index` (of `logSteps`): `stored` are the job's steps as the API
 * last answered, `live` the conclusions the live events told since, `job` the job itself.
 */
export function logStepState(
  index: number,
  logSteps: ReadonlyArray<{ name: string }>,
  stored: ReadonlyArray<Known & { name: string }>,
  live: Readonly<Record<string, string>>,
  job: Known | undefined,
): string {
  const s = logSteps[index];
  if (!s) return "queued";
  const running = !!job && job.status !== "completed";
  const match = stored.find((x) => x.name === s.name);
  // A step in the log has started: stored as queued, the job was read before the step started,
  // and its step event (announced once stored) came before the page listened, so the log says more.
  if (match && match.status !== "queued") return stateOf(match);
  if (live[s.name]) return live[s.name];
  if (index === 0 && logSteps.length > 1) return "success";
  if (index === logSteps.length - 1 && running) return "in_progress";
  if (job?.status === "completed") return index === 0 ? stateOf(job) : "success";
  return "success";
}
