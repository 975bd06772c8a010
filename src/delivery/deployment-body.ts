// GitHub's request bodies of the deployments API (POST …/deployments, POST …/deployments/{id}/statuses)
// with GitHub's defaults, and the rules a deployment follows (which environments are production,
// which deployments may be deleted).
import { z } from "zod";
import { environmentNameProblem } from "../secrets/index.js";

/** GitHub's longest status description. */
export const MAX_STATUS_DESCRIPTION = 140;
/** The longest task and ref gantry keeps (GitHub's longest ref). */
export const MAX_TASK = 255;
export const MAX_DEPLOYMENT_DESCRIPTION = 10_000;

/** A JSON object (the payload's or the event's shape). */
type JsonObject = { [key: string]: unknown };

const environmentName = z.string().superRefine((value, ctx) => {
  const problem = environmentNameProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * A URL a person may be sent to (the UI links it): http or https only, or "" for none. A
 * `javascript:` or `data:` URL would run in the page of whoever clicks it.
 */
const linkUrl = (field: string) =>
  z
    .string({ message: `${field} must be a string` })
    .max(2048, `${field} must be at most 2048 characters`)
    .refine((v) => v === "" || /^https?:\/\/[^\s]+$/i.test(v), {
      message: `${field} must be an http or https URL`,
    });

/** The payload: a JSON object, or a string (GitHub takes either; a string holding an object is that object). */
const payload = z
  .union([z.record(z.string(), z.unknown()), z.string()], {
    message: "payload must be an object or a string",
  })
  .transform((v): JsonObject | string => {
    if (typeof v !== "string") return v;
    if (v === "") return {};
    try {
      const parsed: unknown = JSON.parse(v);
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as JsonObject) : v;
    } catch {
      return v;
    }
  });

/** POST …/deployments: GitHub's body and defaults. */
export const deploymentBody = z
  .object({
    ref: z
      .string({ message: "ref is required: a branch, a tag or a commit sha" })
      .min(1, "ref must not be empty"),
    task: z.string().min(1, "task must not be empty").max(MAX_TASK).default("deploy"),
    auto_merge: z.boolean({ message: "auto_merge must be true or false" }).default(true),
    required_contexts: z
      .array(z.string(), { message: "required_contexts must be an array of strings" })
      .optional(),
    payload: payload.default({}),
    environment: environmentName.default("production"),
    description: z.string().max(MAX_DEPLOYMENT_DESCRIPTION).nullable().default(""),
    transient_environment: z
      .boolean({ message: "transient_environment must be true or false" })
      .default(false),
    production_environment: z.boolean({ message: "production_environment must be true or false" }).optional(),
  })
  .strict();
export type DeploymentBody = z.infer<typeof deploymentBody>;

/** GitHub's states a status may be created with. */
export const STATUS_STATES = [
  "error",
  "failure",
  "inactive",
  "in_progress",
  "queued",
  "pending",
  "success",
] as const;

/** POST …/deployments/{id}/statuses: GitHub's body and defaults (log_url sets target_url too). */
export const deploymentStatusBody = z
  .object({
    state: z.enum(STATUS_STATES, { message: `state must be one of ${STATUS_STATES.join(", ")}` }),
    target_url: linkUrl("target_url").default(""),
    log_url: linkUrl("log_url").optional(),
    description: z
      .string()
      .max(MAX_STATUS_DESCRIPTION, `description must be at most ${MAX_STATUS_DESCRIPTION} characters`)
      .default(""),
    environment: environmentName.optional(),
    environment_url: linkUrl("environment_url").default(""),
    auto_inactive: z.boolean({ message: "auto_inactive must be true or false" }).default(true),
  })
  .strict();
export type DeploymentStatusBody = z.infer<typeof deploymentStatusBody>;

/** GitHub's default of production_environment: true for the environment named production. */
export function isProductionDefault(environment: string): boolean {
  return environment.toLowerCase() === "production";
}

/**
 * Why GitHub refuses to delete a deployment, or undefined when it may go: with more than one
 * deployment in the repository, only an inactive one (one whose latest status is not success).
 */
export function deleteRefusal(state: string | null, deploymentsInRepo: number): string | undefined {
  if (deploymentsInRepo <= 1 || state !== "success") return undefined;
  return "We cannot delete an active deployment unless it is the only deployment in a given repository: give it a status other than success (inactive) first";
}
