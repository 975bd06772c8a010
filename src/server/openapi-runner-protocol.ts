// The OpenAPI paths of the runner protocol (routes/runner-protocol.ts): how `gantry runner` on
// another machine registers, claims jobs and reports on them. At the server's root, not under
// /api/v1; the bearer is the runner's credential (gantry_runner_…), never an API token.
import { z } from "zod";
import { reportedEvent } from "./remote-jobs.js";
import { errorSchema } from "./schemas.js";

function json(schema: z.ZodType, io: "input" | "output" = "output") {
  return { "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) } };
}

const error = (description: string) => ({ description, content: json(errorSchema) });
const root = [{ url: "/" }];
const jobParam = { name: "job_id", in: "path", required: true, schema: { type: "integer" } };
const lost = error(
  "This runner does not hold the job: its lease ran out (the job may run elsewhere now) or it was handed back",
);
const unauthorized = error("Not a runner's credential (or a removed runner's)");

const registerBody = z.object({
  token: z.string().describe("A registration token (gantry_reg_…, an hour's validity)"),
  name: z.string().describe("Unique on the server"),
  labels: z.array(z.string()).optional().describe("Beyond self-hosted, the OS and the architecture"),
  slots: z.number().int().optional(),
  os: z.enum(["Linux", "macOS", "Windows"]),
  arch: z.enum(["X64", "ARM64", "ARM", "X86"]),
  version: z.string().optional(),
  ephemeral: z.boolean().optional(),
});
const claimBody = z.object({
  free: z.number().int().describe("Jobs the runner takes now"),
  wait: z.number().optional().describe("Seconds to wait for one (long poll, at most 50; default 25)"),
  draining: z.boolean().optional().describe("Stopping: it takes none (shown in the runners list)"),
});
const leaseBody = z.object({
  lease_id: z.string(),
  wait: z.number().optional().describe("Seconds to wait for a cancel before answering"),
});
const eventsBody = z.object({
  lease_id: z.string(),
  events: z.array(
    z.object({ seq: z.number().int().describe("From 0, one per event, no gaps"), body: reportedEvent }),
  ),
});

export function runnerProtocolPaths(): Record<string, unknown> {
  const jobs = "/_runner/jobs/{job_id}";
  return {
    "/_runner/register": {
      servers: root,
      post: {
        summary:
          "Registers a runner with a registration token: answers its id, its labels and its credential (shown this once, kept hashed)",
        security: [],
        requestBody: { required: true, content: json(registerBody, "input") },
        responses: {
          "201": { description: "Registered: {id, name, labels, credential}" },
          "401": error("The registration token is unknown or expired"),
          "409": error("A runner of that name is registered already"),
          "422": error("A malformed body"),
        },
      },
    },
    "/_runner/self": {
      servers: root,
      delete: {
        summary: "Removes the calling runner's registration (an ephemeral runner after its job)",
        responses: { "204": { description: "Removed" }, "401": unauthorized },
      },
    },
    "/_runner/claim": {
      servers: root,
      post: {
        summary:
          "Claims up to `free` jobs whose runs-on the runner's labels satisfy (of its repository, for a repository's runner), waiting up to `wait` seconds for one. Each claim is atomic: no two runners get one job. A job comes with its lease (renew it within lease_seconds), its request (the engine's, serialized; its secrets included, for this runner alone) and its services' variables",
        requestBody: { required: true, content: json(claimBody, "input") },
        responses: {
          "200": { description: "{jobs: [{id, lease_id, lease_seconds, runner_name, spec, services}]}" },
          "401": unauthorized,
        },
      },
    },
    [`${jobs}/lease`]: {
      servers: root,
      post: {
        summary:
          "Renews the lease; with `wait`, answers early when a cancel is asked for (the runner hears a cancel within a second)",
        parameters: [jobParam],
        requestBody: { required: true, content: json(leaseBody, "input") },
        responses: { "200": { description: "{cancel: boolean}" }, "401": unauthorized, "409": lost },
      },
    },
    [`${jobs}/events`]: {
      servers: root,
      post: {
        summary:
          "Reports the job's events in order (log lines, steps, annotations, summaries, then its outcome): each stored once by its seq, so a retried upload never doubles or loses a line; answers the next seq expected",
        parameters: [jobParam],
        requestBody: { required: true, content: json(eventsBody, "input") },
        responses: {
          "200": { description: "{next}" },
          "401": unauthorized,
          "409": lost,
          "422": error("A malformed event"),
        },
      },
    },
    [`${jobs}/release`]: {
      servers: root,
      post: {
        summary: "Hands the job back before it ended (the runner is stopping): it is offered again at once",
        parameters: [jobParam],
        requestBody: { required: true, content: json(leaseBody, "input") },
        responses: { "200": { description: "{released: true}" }, "401": unauthorized, "409": lost },
      },
    },
    [`${jobs}/git/info/refs`]: {
      servers: root,
      get: {
        summary:
          "The job's repository over git's smart HTTP (git-upload-pack only): the runner fetches the run's commit",
        parameters: [jobParam, { name: "service", in: "query", required: true, schema: { type: "string" } }],
        responses: {
          "200": { description: "application/x-git-upload-pack-advertisement" },
          "401": unauthorized,
          "409": lost,
        },
      },
    },
    [`${jobs}/git/git-upload-pack`]: {
      servers: root,
      post: {
        summary: "git-upload-pack of the job's repository (stateless RPC)",
        parameters: [jobParam],
        responses: {
          "200": { description: "application/x-git-upload-pack-result" },
          "401": unauthorized,
          "409": lost,
        },
      },
    },
    [`${jobs}/actions/resolve`]: {
      servers: root,
      get: {
        summary:
          "Resolves owner/repo@ref through the server's action store (its pins, copies and mirror): {commit, source}",
        parameters: [
          jobParam,
          ...["owner", "repo", "ref", "mirror"].map((name) => ({
            name,
            in: "query",
            required: name !== "mirror",
            schema: { type: "string" },
          })),
        ],
        responses: {
          "200": { description: "{commit, source}" },
          "401": unauthorized,
          "404": error("No such action"),
          "409": lost,
        },
      },
    },
    [`${jobs}/actions/archive`]: {
      servers: root,
      get: {
        summary: "The files of an action's commit the store holds, as a tar",
        parameters: [
          jobParam,
          ...["owner", "repo", "commit"].map((name) => ({
            name,
            in: "query",
            required: true,
            schema: { type: "string" },
          })),
        ],
        responses: {
          "200": { description: "application/x-tar" },
          "401": unauthorized,
          "404": error("The store does not hold it"),
          "409": lost,
        },
      },
    },
  };
}
