import { z } from "zod";
import {
  collaboratorPermissionSchema,
  collaboratorSchema,
  invitationSchema,
  putCollaboratorBody,
} from "./collaborator-schemas.js";
import { createHookBody, patchHookBody } from "./hook-schemas.js";
import { deploymentPaths } from "./openapi-deployments.js";
import { environmentPaths } from "./openapi-environments.js";
import { reviewPaths } from "./openapi-reviews.js";
import { runnerProtocolPaths } from "./openapi-runner-protocol.js";
import { runnerPaths } from "./openapi-runners.js";
import { secretPaths } from "./openapi-secrets.js";
import { userPaths } from "./openapi-users.js";
import { createPullBody, pullRequestSchema, updatePullBody } from "./pull-schemas.js";
import {
  combinedStatusSchema,
  dispatchBody,
  errorSchema,
  jobListSchema,
  jobSchema,
  repoBody,
  repoPatchBody,
  repoSchema,
  repositoryDispatchBody,
  runListSchema,
  runSchema,
} from "./schemas.js";

type Schema = z.ZodType;

function json(schema: Schema, io: "input" | "output" = "output") {
  return { "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) } };
}

const errors = {
  "401": { description: "Bad credentials", content: json(errorSchema) },
  "403": {
    description:
      "The caller reads the repository but lacks the role the route needs ('Must have write rights to Repository.')",
    content: json(errorSchema),
  },
  "404": {
    description: "Not found; also a repository the caller may not read (its existence does not leak)",
    content: json(errorSchema),
  },
  "422": { description: "Validation failed: `errors` names each problem", content: json(errorSchema) },
  "429": {
    description:
      "Too many failed authentications from this address (limits.auth_failures_per_minute); Retry-After says when to try again",
    content: json(errorSchema),
  },
};

/** What a route with a body may also answer (limits.api_body_bytes, JSON nested over 100 levels). */
const bodyErrors = {
  "400": { description: "The body is not JSON, or nests deeper than 100 levels", content: json(errorSchema) },
  "413": {
    description: "The body is over the API's limit (limits.api_body_bytes, 1 MiB)",
    content: json(errorSchema),
  },
};

const pathParam = (name: string, type: "string" | "integer" = "string") => ({
  name,
  in: "path",
  required: true,
  schema: { type },
});
const repoParams = [pathParam("owner"), pathParam("repo")];
/** GitHub's page and per_page, and the Link header a paged answer carries. */
const pageParams = (what: string) => [
  query("page", "Page, from 1 (past the last page: an empty page, total_count all of them)", "integer"),
  query("per_page", `${what} per page: 30 when not given; above 100 served as 100, as GitHub`, "integer"),
];
const linkHeaders = {
  link: {
    description:
      "GitHub's Link header: the prev, next, first and last pages of the same query; absent when all fit on one page",
    schema: { type: "string" },
  },
};
const runParams = [...repoParams, pathParam("run_id", "integer")];
const query = (name: string, description: string, type = "string") => ({
  name,
  in: "query",
  required: false,
  description,
  schema: { type },
});

/** A page of a run attempt's jobs, as both job lists answer it. */
const jobPage = {
  description: "A page of the attempt's jobs, in the order they were made; total_count all of them",
  headers: linkHeaders,
  content: json(jobListSchema),
};

function op(summary: string, extra: Record<string, unknown>) {
  return { summary, ...extra };
}

/** The OpenAPI 3.1 document of /api/v1, its schemas generated from the zod schemas the routes validate with. */
export function openApiDocument(): Record<string, unknown> {
  const runs = "/repos/{owner}/{repo}/actions/runs";
  return {
    openapi: "3.1.0",
    info: {
      title: "gantry API",
      version: "1",
      description:
        "GitHub's REST shapes for workflow runs and jobs, and gantry's own for repositories and live events.",
    },
    servers: [{ url: "/api/v1" }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/repos": {
        get: op("List repositories", {
          responses: { "200": { description: "Repositories", content: json(z.array(repoSchema)) } },
        }),
        post: op(
          "Register a repository (the server clones it; its url's scheme must be in repo_url_schemes)",
          {
            requestBody: { required: true, content: json(repoBody, "input") },
            responses: {
              "201": { description: "Registered", content: json(repoSchema) },
              ...errors,
              ...bodyErrors,
              ...bodyErrors,
            },
          },
        ),
      },
      "/repos/{owner}/{repo}": {
        get: op("Get a repository", {
          parameters: repoParams,
          responses: { "200": { description: "Repository", content: json(repoSchema) }, ...errors },
        }),
        patch: op("Change a repository's url, default branch, poll interval or required checks", {
          parameters: repoParams,
          requestBody: { required: true, content: json(repoPatchBody, "input") },
          responses: {
            "200": { description: "Repository", content: json(repoSchema) },
            ...errors,
            ...bodyErrors,
          },
        }),
        delete: op(
          "Delete a repository (admin): its clone, runs (jobs, steps, logs, annotations, summaries, artifacts) and pull requests. Refused (409) while one of its runs is not completed",
          {
            parameters: repoParams,
            responses: {
              "204": { description: "Deleted" },
              ...errors,
              "403": { description: "Must have admin rights to Repository.", content: json(errorSchema) },
              "409": { description: "A run of the repository is not completed", content: json(errorSchema) },
            },
          },
        ),
      },
      "/repos/{owner}/{repo}/collaborators": {
        get: op("List repository collaborators with their role (write, maintain or admin to read)", {
          parameters: [
            ...repoParams,
            query("permission", "Only those with this flag: pull, triage, push, maintain or admin"),
            query("affiliation", "outside, direct or all (all of gantry's are direct)"),
            query("page", "Page, from 1", "integer"),
            query("per_page", "Collaborators per page (at most 100)", "integer"),
          ],
          responses: {
            "200": { description: "Collaborators", content: json(z.array(collaboratorSchema)) },
            ...errors,
          },
        }),
      },
      "/repos/{owner}/{repo}/collaborators/{username}": {
        get: op("Check if a user is a repository collaborator: 204 yes, 404 no", {
          parameters: [...repoParams, pathParam("username")],
          responses: { "204": { description: "A collaborator" }, ...errors },
        }),
        put: op(
          "Add a collaborator (201) or change a collaborator's role (204): read, triage, write, maintain or admin (pull, push: GitHub's aliases); a repository admin's",
          {
            parameters: [...repoParams, pathParam("username")],
            requestBody: { required: false, content: json(putCollaboratorBody, "input") },
            responses: {
              "201": { description: "Added (in effect at once)", content: json(invitationSchema) },
              "204": { description: "The collaborator's role changed" },
              ...errors,
              ...bodyErrors,
            },
          },
        ),
        delete: op("Remove a collaborator: a repository admin's, or the collaborator's own", {
          parameters: [...repoParams, pathParam("username")],
          responses: { "204": { description: "Removed" }, ...errors },
        }),
      },
      "/repos/{owner}/{repo}/collaborators/{username}/permission": {
        get: op(
          "A user's permission (admin, write, read, none) and role on the repository: one's own for a reader, another's for a writer",
          {
            parameters: [...repoParams, pathParam("username")],
            responses: {
              "200": { description: "The permission", content: json(collaboratorPermissionSchema) },
              ...errors,
            },
          },
        ),
      },
      [runs]: {
        get: op("List workflow runs for a repository", {
          parameters: [
            ...repoParams,
            query("branch", "Runs for this branch"),
            query("event", "Runs for this event"),
            query(
              "status",
              "A status (queued, pending, in_progress, completed) or a conclusion (success, failure …)",
            ),
            query("head_sha", "Runs for this commit"),
            query("workflow", "Runs of this workflow: its file name (ci.yml) or path"),
            query("actor", "Runs started by this user"),
            query(
              "q",
              "Runs whose title, commit (a sha prefix) or actor holds this text, any case (gantry's own)",
            ),
            ...pageParams("Runs"),
          ],
          responses: {
            "200": { description: "Runs, newest first", headers: linkHeaders, content: json(runListSchema) },
            ...errors,
          },
        }),
      },
      [`${runs}/{run_id}`]: {
        get: op("Get a workflow run", {
          parameters: runParams,
          responses: { "200": { description: "Run", content: json(runSchema) }, ...errors },
        }),
      },
      [`${runs}/{run_id}/attempts/{attempt_number}`]: {
        get: op("Get a workflow run attempt: its own status, conclusion, times and problems", {
          parameters: [...runParams, pathParam("attempt_number", "integer")],
          responses: { "200": { description: "Run attempt", content: json(runSchema) }, ...errors },
        }),
      },
      [`${runs}/{run_id}/attempts/{attempt_number}/jobs`]: {
        get: op("List jobs for a workflow run attempt, paged as GitHub's", {
          parameters: [...runParams, pathParam("attempt_number", "integer"), ...pageParams("Jobs")],
          responses: { "200": jobPage, ...errors },
        }),
      },
      [`${runs}/{run_id}/workflow-file`]: {
        get: op("The run's workflow file as it was at the run's commit, as plain text (gantry's own)", {
          parameters: runParams,
          responses: { "200": { description: "The file", content: { "text/plain": {} } }, ...errors },
        }),
      },
      [`${runs}/{run_id}/logs`]: {
        get: op("Download the latest attempt's job logs: a zip, one text file per job", {
          parameters: runParams,
          responses: { "200": { description: "The zip", content: { "application/zip": {} } }, ...errors },
        }),
      },
      [`${runs}/{run_id}/attempts/{attempt_number}/logs`]: {
        get: op("Download an attempt's job logs: a zip, one text file per job", {
          parameters: [...runParams, pathParam("attempt_number", "integer")],
          responses: { "200": { description: "The zip", content: { "application/zip": {} } }, ...errors },
        }),
      },
      [`${runs}/{run_id}/jobs`]: {
        get: op("List jobs for a workflow run (its latest attempt), paged as GitHub's", {
          parameters: [
            ...runParams,
            query("attempt", "Another attempt's jobs (gantry's own)", "integer"),
            ...pageParams("Jobs"),
          ],
          responses: { "200": jobPage, ...errors },
        }),
      },
      [`${runs}/{run_id}/graph`]: {
        get: op(
          "The run's workflow as a graph: jobs, needs, matrix jobs, called workflows' jobs (gantry's own)",
          {
            parameters: runParams,
            responses: {
              "200": { description: "{workflow, jobs: [{id, name, needs, uses, matrix, jobs}]}" },
              ...errors,
            },
          },
        ),
      },
      [`${runs}/{run_id}/annotations`]: {
        get: op(
          "The errors, warnings and notices an attempt's jobs raised, with file and line (gantry's own)",
          {
            parameters: [...runParams, query("attempt", "Another attempt's", "integer")],
            responses: { "200": { description: "{total_count, annotations}" }, ...errors },
          },
        ),
      },
      [`${runs}/{run_id}/summaries`]: {
        get: op("The job summaries (GITHUB_STEP_SUMMARY Markdown) of an attempt (gantry's own)", {
          parameters: [...runParams, query("attempt", "Another attempt's", "integer")],
          responses: {
            "200": { description: "{total_count, summaries: [{job_key, job_name, step, markdown}]}" },
            ...errors,
          },
        }),
      },
      [`${runs}/{run_id}/artifacts`]: {
        get: op("List a run's artifacts: of each name the newest attempt's copy", {
          parameters: [...runParams, query("attempt", "As at this attempt (gantry's own)", "integer")],
          responses: { "200": { description: "{total_count, artifacts}" }, ...errors },
        }),
      },
      [`${runs}/{run_id}/artifacts/{name}/zip`]: {
        get: op("Download an artifact as a zip", {
          parameters: [...runParams, pathParam("name")],
          responses: { "200": { description: "The zip", content: { "application/zip": {} } }, ...errors },
        }),
      },
      [`${runs}/{run_id}/report`]: {
        get: op("The run as gantry's run report shows it (gantry's own)", {
          parameters: runParams,
          responses: { "200": { description: "Run report of the latest attempt" }, ...errors },
        }),
      },
      [`${runs}/{run_id}/cancel`]: {
        post: op("Cancel a workflow run", {
          parameters: runParams,
          responses: {
            "202": { description: "Cancelling" },
            "409": { description: "Already completed", content: json(errorSchema) },
          },
        }),
      },
      [`${runs}/{run_id}/rerun`]: {
        post: op("Re-run a workflow run (a new attempt)", {
          parameters: runParams,
          responses: {
            "201": { description: "Queued" },
            ...errors,
            "403": {
              description: "Not completed, or the caller does not write to the repository",
              content: json(errorSchema),
            },
          },
        }),
      },
      [`${runs}/{run_id}/rerun-failed-jobs`]: {
        post: op(
          "Re-run the failed jobs of a run and what needs them, keeping the others' results and outputs",
          {
            parameters: runParams,
            responses: {
              "201": { description: "Queued" },
              ...errors,
              "403": {
                description: "Not completed, or the caller does not write to the repository",
                content: json(errorSchema),
              },
            },
          },
        ),
      },
      [`${runs}/{run_id}/approve`]: {
        post: op(
          "Approve a fork's pull request run that waits as action_required (the repository's fork_approval): it runs, as GitHub's approve and run",
          {
            parameters: runParams,
            responses: {
              "201": { description: "Approved: the run is queued" },
              ...errors,
              "403": {
                description: "Not waiting for approval, or the caller does not write to the repository",
                content: json(errorSchema),
              },
            },
          },
        ),
      },
      "/repos/{owner}/{repo}/actions/jobs/{job_id}/rerun": {
        post: op(
          "Re-run a job (every leg of its matrix) and the jobs that need it as the run's next attempt, keeping the others' results and outputs",
          {
            parameters: [...repoParams, pathParam("job_id", "integer")],
            responses: {
              "201": { description: "Queued" },
              ...errors,
              "403": {
                description:
                  "The run is not completed, the job is not of its latest attempt, or the caller does not write to the repository",
                content: json(errorSchema),
              },
            },
          },
        ),
      },
      "/repos/{owner}/{repo}/actions/jobs/{job_id}": {
        get: op("Get a job", {
          parameters: [...repoParams, pathParam("job_id", "integer")],
          responses: { "200": { description: "Job", content: json(jobSchema) }, ...errors },
        }),
      },
      "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs": {
        get: op("A job's log: plain text, or with follow=1 server-sent events (`line` … `end`)", {
          parameters: [
            ...repoParams,
            pathParam("job_id", "integer"),
            query("follow", "1: stream until the job completes"),
          ],
          responses: {
            "200": { description: "The log", content: { "text/plain": {}, "text/event-stream": {} } },
            ...errors,
          },
        }),
      },
      "/repos/{owner}/{repo}/branches": {
        get: op("List the repository's branches (by name, with their commits)", {
          parameters: [
            ...repoParams,
            query("page", "Page, from 1", "integer"),
            query("per_page", "At most 100", "integer"),
          ],
          responses: { "200": { description: "[{name, commit: {sha, url}, protected}]" }, ...errors },
        }),
      },
      "/repos/{owner}/{repo}/tags": {
        get: op("List the repository's tags (by name, with the commits they point at)", {
          parameters: [
            ...repoParams,
            query("page", "Page, from 1", "integer"),
            query("per_page", "At most 100", "integer"),
          ],
          responses: { "200": { description: "[{name, commit: {sha, url}}]" }, ...errors },
        }),
      },
      "/repos/{owner}/{repo}/actions/workflows": {
        get: op("List the repository's workflows at a ref, with their workflow_dispatch inputs", {
          parameters: [...repoParams, query("ref", "A branch, tag or commit (default: the default branch)")],
          responses: { "200": { description: "{total_count, workflows}" }, ...errors },
        }),
      },
      "/repos/{owner}/{repo}/actions/workflows/{workflow_file}": {
        get: op("Get a workflow at a ref, with its workflow_dispatch inputs (dispatch_inputs)", {
          parameters: [...repoParams, pathParam("workflow_file"), query("ref", "A branch, tag or commit")],
          responses: { "200": { description: "The workflow" }, ...errors },
        }),
      },
      "/repos/{owner}/{repo}/actions/workflows/{workflow_file}/dispatches": {
        post: op("Create a workflow dispatch event", {
          parameters: [...repoParams, pathParam("workflow_file")],
          requestBody: { required: true, content: json(dispatchBody, "input") },
          responses: {
            "204": { description: "Queued" },
            "200": { description: "Queued (return_run_details): workflow_run_id, run_url, html_url" },
            ...errors,
            ...bodyErrors,
          },
        }),
      },
      "/repos/{owner}/{repo}/dispatches": {
        post: op(
          "Create a repository dispatch event: the default branch's `on: repository_dispatch` workflows",
          {
            parameters: repoParams,
            requestBody: { required: true, content: json(repositoryDispatchBody, "input") },
            responses: { "204": { description: "Accepted" }, ...errors, ...bodyErrors },
          },
        ),
      },
      "/repos/{owner}/{repo}/commits/{ref}/status": {
        get: op(
          "The combined status of a commit (with its pull requests' head and merge commits): success only when every required check (the repository's required_checks, else every workflow's latest run) succeeded",
          {
            parameters: [...repoParams, pathParam("ref")],
            responses: {
              "200": { description: "Combined status", content: json(combinedStatusSchema) },
              ...errors,
            },
          },
        ),
      },
      "/repos/{owner}/{repo}/pulls": {
        get: op("List pull requests, newest first", {
          parameters: [
            ...repoParams,
            query("state", "open (default), closed or all"),
            query("head", "Only this head branch (branch or owner:branch)"),
            query("base", "Only this base branch"),
            query("page", "Page, from 1", "integer"),
            query("per_page", "Pull requests per page (at most 100)", "integer"),
          ],
          responses: {
            "200": { description: "Pull requests", content: json(z.array(pullRequestSchema)) },
            ...errors,
          },
        }),
        post: op(
          "Open a pull request of head into base (branches of the server's clone): fires pull_request opened on the merge commit",
          {
            parameters: repoParams,
            requestBody: { required: true, content: json(createPullBody, "input") },
            responses: {
              "201": { description: "Opened", content: json(pullRequestSchema) },
              "502": { description: "The repository could not be fetched", content: json(errorSchema) },
              ...errors,
              ...bodyErrors,
            },
          },
        ),
      },
      "/repos/{owner}/{repo}/pulls/{pull_number}": {
        get: op("Get a pull request, with checks_state: the combined status of its head and merge commits", {
          parameters: [...repoParams, pathParam("pull_number", "integer")],
          responses: { "200": { description: "Pull request", content: json(pullRequestSchema) }, ...errors },
        }),
        patch: op("Close (fires closed), reopen (fires reopened) or retitle a pull request", {
          parameters: [...repoParams, pathParam("pull_number", "integer")],
          requestBody: { required: true, content: json(updatePullBody, "input") },
          responses: {
            "200": { description: "Pull request", content: json(pullRequestSchema) },
            ...errors,
            ...bodyErrors,
          },
        }),
      },
      "/repos/{owner}/{repo}/hooks": {
        get: op("List the repository's webhooks (secrets answered as ********)", {
          parameters: repoParams,
          responses: { "200": { description: "The hooks" }, ...errors },
        }),
        post: op(
          "Create a webhook: workflow_run and workflow_job deliveries (action completed), signed with X-Hub-Signature-256 when it has a secret; the URL must pass outgoing_webhooks; a ping is sent",
          {
            parameters: repoParams,
            requestBody: { required: true, content: json(createHookBody, "input") },
            responses: { "201": { description: "The hook" }, ...errors, ...bodyErrors },
          },
        ),
      },
      "/repos/{owner}/{repo}/hooks/{hook_id}": {
        get: op("Get a webhook, with its last response", {
          parameters: [...repoParams, pathParam("hook_id", "integer")],
          responses: { "200": { description: "The hook" }, ...errors },
        }),
        patch: op("Update a webhook (config, events, add_events, remove_events, active)", {
          parameters: [...repoParams, pathParam("hook_id", "integer")],
          requestBody: { required: true, content: json(patchHookBody, "input") },
          responses: { "200": { description: "The hook" }, ...errors, ...bodyErrors },
        }),
        delete: op("Delete a webhook and its delivery log", {
          parameters: [...repoParams, pathParam("hook_id", "integer")],
          responses: { "204": { description: "Deleted" }, ...errors },
        }),
      },
      "/repos/{owner}/{repo}/hooks/{hook_id}/pings": {
        post: op("Send the hook a ping event", {
          parameters: [...repoParams, pathParam("hook_id", "integer")],
          responses: { "204": { description: "Queued" }, ...errors },
        }),
      },
      "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries": {
        get: op(
          "A webhook's deliveries, newest first, with their state (pending, delivered, failed) and attempts",
          {
            parameters: [
              ...repoParams,
              pathParam("hook_id", "integer"),
              query("per_page", "At most 100", "integer"),
            ],
            responses: { "200": { description: "The deliveries" }, ...errors },
          },
        ),
      },
      "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}": {
        get: op("One delivery, with its payload", {
          parameters: [...repoParams, pathParam("hook_id", "integer"), pathParam("delivery_id", "integer")],
          responses: { "200": { description: "The delivery" }, ...errors },
        }),
      },
      "/events": {
        get: op("Live run events and log lines (server-sent events); with run_id, one run from its start", {
          parameters: [
            query("run_id", "Only this run, ending when it completes", "integer"),
            query("logs", "0: without the log lines"),
            query(
              "access_token",
              "The token, for a browser's EventSource (this stream and followed logs only)",
            ),
          ],
          responses: { "200": { description: "text/event-stream", content: { "text/event-stream": {} } } },
        }),
      },
      ...userPaths(),
      ...secretPaths(),
      ...environmentPaths(),
      ...reviewPaths(),
      ...deploymentPaths(),
      ...runnerProtocolPaths(),
      ...runnerPaths(),
      "/audit-log": {
        get: op(
          "The audit trail (site administrators): GitHub's audit-log entries (@timestamp, action, actor, actor_id, repo, token_id, actor_ip, details) with seq, prev_hash and hash; newest first, paged with a Link header",
          {
            parameters: [
              query("action", "An action (repo.create) or a category (repo: every repo.* action)"),
              query("actor", "Who acted (a login; gantry for the server itself)"),
              query("repo", "owner/name"),
              query(
                "after",
                "Entries at or after this ISO 8601 date or time (2026-12-06, 2026-12-06T01:30:00Z)",
              ),
              query("before", "Entries before this ISO 8601 date or time"),
              query("order", "desc (newest first, the default) or asc"),
              query("page", "1-based", "integer"),
              query("per_page", "At most 100 (default 30)", "integer"),
            ],
            responses: {
              "200": { description: "The entries" },
              ...errors,
            },
          },
        ),
      },
      "/audit-log/public-key": {
        get: op(
          "The Ed25519 public key the audit trail's checkpoints are signed with: key_id, key (base64 of its DER), pem",
          { responses: { "200": { description: "The key" }, ...errors } },
        ),
      },
      "/audit-log/export": {
        get: op(
          "The audit trail as JSON lines (application/x-ndjson), with its signed checkpoints, ending with one over the last entry; `gantry audit verify` checks it (site administrators)",
          {
            parameters: [
              query(
                "since",
                "Start at the last checkpoint before the first entry at or after this ISO 8601 date or time",
              ),
            ],
            responses: {
              "200": { description: "JSON lines", content: { "application/x-ndjson": {} } },
              ...errors,
            },
          },
        ),
      },
      "/openapi.json": {
        get: op("This document", { security: [], responses: { "200": { description: "OpenAPI 3.1" } } }),
      },
      // The OIDC issuer of the jobs' ID tokens, at the server's root (not under /api/v1).
      "/.well-known/openid-configuration": {
        servers: [{ url: "/" }],
        get: op("The OIDC issuer's discovery document (GitHub's fields; the issuer is public_url)", {
          security: [],
          responses: { "200": { description: "OpenID Provider Metadata" } },
        }),
      },
      "/.well-known/jwks": {
        servers: [{ url: "/" }],
        get: op(
          "The issuer's public keys (RS256, each with its kid): the signing key, and a rotated one until its tokens have expired",
          { security: [], responses: { "200": { description: "JSON Web Key Set" } } },
        ),
      },
      // The Actions cache and artifact services (a server with job services), for runners on other
      // machines: the protocols @actions/cache and @actions/artifact speak, behind a job's
      // ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL (`<server>/_services/actions/`).
      "/_services/actions/twirp/github.actions.results.api.v1.CacheService/{method}": {
        servers: [{ url: "/" }],
        post: op(
          "The cache service v2 (twirp JSON: CreateCacheEntry, FinalizeCacheEntryUpload, GetCacheEntryDownloadURL), as @actions/cache calls it; the bearer is the job's ACTIONS_RUNTIME_TOKEN. GetCacheEntryDownloadURL also answers gantry's matched_scope, created_at and size_bytes",
          {
            security: [],
            parameters: [pathParam("method")],
            responses: {
              "200": {
                description: "The method's answer (signed upload and download URLs under the same base)",
              },
              "400": { description: "A malformed call, or a body over 1 MiB (twirp `{code, msg}`)" },
              "401": {
                description: "No token, one no server of this database issued, or one whose job ended",
              },
              "409": { description: "The entry exists or is being uploaded (already_exists)" },
            },
          },
        ),
      },
      "/_services/actions/twirp/github.actions.results.api.v1.ArtifactService/{method}": {
        servers: [{ url: "/" }],
        post: op(
          "The artifact service v4 (twirp JSON: CreateArtifact, FinalizeArtifact, ListArtifacts, GetSignedArtifactURL, DeleteArtifact), as @actions/artifact calls it, for the token's own run; ListArtifacts also answers GitHub's digest and gantry's expires_at and attempt",
          {
            security: [],
            parameters: [pathParam("method")],
            responses: {
              "200": { description: "The method's answer" },
              "400": { description: "A malformed call, or a body over 1 MiB (twirp `{code, msg}`)" },
              "401": {
                description: "No token, one no server of this database issued, or one whose job ended",
              },
              "403": { description: "Another run's artifacts, or another job's upload" },
              "404": { description: "No such artifact" },
              "409": { description: "The name exists in this attempt or is being uploaded" },
            },
          },
        ),
      },
      "/_services/actions/_apis/artifactcache/{path}": {
        servers: [{ url: "/" }],
        get: op(
          "The cache service v1 (GET cache, GET caches), behind ACTIONS_CACHE_URL without ACTIONS_CACHE_SERVICE_V2",
          {
            security: [],
            parameters: [pathParam("path")],
            responses: { "200": { description: "The entry found" }, "204": { description: "No entry" } },
          },
        ),
        post: op("The cache service v1: reserve (POST caches) and commit (POST caches/{id})", {
          security: [],
          parameters: [pathParam("path")],
          responses: { "201": { description: "Reserved" }, "204": { description: "Committed" } },
        }),
        patch: op("The cache service v1: a chunk of an upload (Content-Range)", {
          security: [],
          parameters: [pathParam("path")],
          responses: { "204": { description: "Stored" } },
        }),
      },
      "/_services/actions/_blob/{path}": {
        servers: [{ url: "/" }],
        get: op(
          "A signed download (a cache archive, with Range; an artifact as a zip): the `se` and `sig` query are the credential",
          {
            security: [],
            parameters: [pathParam("path")],
            responses: {
              "200": { description: "The bytes" },
              "206": { description: "The range asked for" },
              "403": { description: "Unsigned, altered or expired (Azure's error XML)" },
              "404": { description: "No longer stored" },
            },
          },
        ),
        put: op(
          "A signed upload in Azure Blob's dialect (Put Blob, Put Block, Put Block List) while its job runs",
          {
            security: [],
            parameters: [pathParam("path")],
            responses: {
              "201": { description: "Written" },
              "403": { description: "Unsigned, altered or expired, or its job ended" },
              "413": { description: "Over the cache entry's or the artifact's size limit" },
            },
          },
        ),
      },
      "/_services/oidc/token": {
        servers: [{ url: "/" }],
        get: op(
          "An ID token for the calling job (ACTIONS_ID_TOKEN_REQUEST_URL): the bearer is its ACTIONS_ID_TOKEN_REQUEST_TOKEN, accepted while the job runs; `{value: JWT}`, good for 5 minutes",
          {
            parameters: [
              query("api-version", "2.0, as GitHub's"),
              query("audience", "The token's aud (default: the public URL and the repository's owner)"),
            ],
            responses: {
              "200": {
                description: "The ID token",
                content: json(z.object({ value: z.string() })),
              },
              "400": {
                description: "More than one audience, or one that is too long",
                content: json(errorSchema),
              },
              "401": errors["401"],
              "429": errors["429"],
            },
          },
        ),
      },
    },
  };
}
