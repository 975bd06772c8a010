import { z } from "zod";
import { HOOK_EVENTS } from "./hook-sender.js";

const events = z
  .array(z.enum([...HOOK_EVENTS, "*"], { message: `gantry sends ${HOOK_EVENTS.join(" and ")} (or *)` }))
  .min(1, "events must name at least one event");

const hookConfig = z.object({
  url: z.string().min(1).max(2048),
  content_type: z.enum(["json", "form"]).optional(),
  /** Set to sign deliveries (X-Hub-Signature-256); "" removes it. Never answered in clear. */
  secret: z.string().max(1024).optional(),
  /** Only "0": gantry always verifies TLS certificates. */
  insecure_ssl: z.union([z.literal("0"), z.literal(0)]).optional(),
});

/** POST /repos/{owner}/{repo}/hooks, GitHub's shape. */
export const createHookBody = z.object({
  name: z.literal("web").optional(),
  config: hookConfig,
  events: events.default([...HOOK_EVENTS]),
  active: z.boolean().default(true),
});

/** PATCH /repos/{owner}/{repo}/hooks/{hook_id}. */
export const patchHookBody = z
  .object({
    config: hookConfig.partial(),
    events,
    add_events: events,
    remove_events: z.array(z.string()),
    active: z.boolean(),
  })
  .partial()
  .strict();
