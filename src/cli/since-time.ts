import { UsageError } from "../workflow/index.js";

/** An ISO time for --since (or --until): as given, or now minus an age (30m, 12h, 7d). */
export function sinceTime(given: string, option = "--since"): string {
  const age = /^(\d+)([mhd])$/.exec(given);
  if (age) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as "m" | "h" | "d"];
    return new Date(Date.now() - Number(age[1]) * unit).toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(given) || Number.isNaN(Date.parse(given)))
    throw new UsageError(
      `${option} expects an ISO 8601 date or time, or an age (30m, 12h, 7d), got '${given}'`,
    );
  return given;
}

/** The options of a report on an environment over a window (gantry evidence, gantry metrics). */
export const ENVIRONMENT_WINDOW_OPTIONS = {
  env: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
} as const;

/** The environment `command` reports on, and the window's query (since, until) for the server. */
export function environmentWindow(
  command: string,
  values: { env?: string; since?: string; until?: string },
): { env: string; query: URLSearchParams } {
  if (!values.env)
    throw new UsageError(`gantry ${command} needs --env NAME (the environment, e.g. production)`);
  const query = new URLSearchParams();
  if (values.since !== undefined) query.set("since", sinceTime(values.since));
  if (values.until !== undefined) query.set("until", sinceTime(values.until, "--until"));
  return { env: values.env, query };
}
