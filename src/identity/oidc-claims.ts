import { randomUUID } from "node:crypto";
import { OIDC_TOKEN_LIFETIME_SECONDS } from "./oidc-keys.js";

/**
 * What an ID token says of the job that asked for it: GitHub's custom claims, all strings (ids
 * included, as GitHub writes them). `environment` only when the job has one.
 */
export interface OidcJobFacts {
  actor: string;
  actor_id: string;
  base_ref: string;
  head_ref: string;
  environment?: string;
  event_name: string;
  job_workflow_ref: string;
  job_workflow_sha: string;
  ref: string;
  ref_type: string;
  repository: string;
  repository_id: string;
  repository_owner: string;
  repository_owner_id: string;
  run_id: string;
  run_number: string;
  run_attempt: string;
  sha: string;
  workflow: string;
  workflow_ref: string;
  workflow_sha: string;
}

/** The claims of an ID token: the registered ones (RFC 7519) and the job's facts. */
export type OidcClaims = OidcJobFacts & {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  runner_environment: "self-hosted";
};

/** Every claim an ID token may carry, for the discovery document's claims_supported. */
export const OIDC_CLAIMS = [
  "sub",
  "aud",
  "exp",
  "iat",
  "iss",
  "jti",
  "nbf",
  "actor",
  "actor_id",
  "base_ref",
  "head_ref",
  "environment",
  "event_name",
  "job_workflow_ref",
  "job_workflow_sha",
  "ref",
  "ref_type",
  "repository",
  "repository_id",
  "repository_owner",
  "repository_owner_id",
  "run_id",
  "run_number",
  "run_attempt",
  "runner_environment",
  "sha",
  "workflow",
  "workflow_ref",
  "workflow_sha",
] as const;

/** The events whose jobs GitHub names `pull_request` in the subject (when they have no environment). */
const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_target"]);

/**
 * The subject, as GitHub forms it: the environment when the job has one, else `pull_request` for a
 * pull request's run, else the ref (`repo:octo/app:ref:refs/heads/main`).
 */
export function oidcSubject(
  facts: Pick<OidcJobFacts, "repository" | "environment" | "event_name" | "ref">,
): string {
  const repo = `repo:${facts.repository}`;
  if (facts.environment) return `${repo}:environment:${facts.environment}`;
  if (PULL_REQUEST_EVENTS.has(facts.event_name)) return `${repo}:pull_request`;
  return `${repo}:ref:${facts.ref}`;
}

/**
 * The audience a token gets when the job asks for none: as GitHub's is the repository owner's URL
 * (https://github.com/OWNER), the owner's URL on this server, the issuer's URL and the owner.
 */
export function defaultAudience(issuer: string, owner: string): string {
  return `${issuer.replace(/\/+$/, "")}/${owner}`;
}

/** The claims of one ID token for the job: issued now, good for five minutes, with an id of its own. */
export function oidcClaims(
  facts: OidcJobFacts,
  opts: { issuer: string; audience?: string; now?: Date; jti?: string },
): OidcClaims {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const { environment, ...rest } = facts;
  return {
    jti: opts.jti ?? randomUUID(),
    sub: oidcSubject(facts),
    aud: opts.audience || defaultAudience(opts.issuer, facts.repository_owner),
    ...(environment ? { environment } : {}),
    ...rest,
    runner_environment: "self-hosted",
    iss: opts.issuer,
    nbf: iat,
    exp: iat + OIDC_TOKEN_LIFETIME_SECONDS,
    iat,
  };
}

/** What the job's facts are read from besides its github context. */
export interface OidcJobSource {
  /** The job's github context (GITHUB_* as its steps see them). */
  github: Record<string, unknown>;
  /** The repository's id on this server, and its owner's and the actor's ids (users), "0" unknown. */
  repositoryId: number;
  repositoryOwnerId?: number;
  actorId?: number;
  /**
   * The file of the workflow the job is in, when it is a called (reusable) workflow: a `./` path of
   * the repository, or `owner/repo/path@ref` of another; the run's own workflow otherwise.
   */
  workflowFile?: string;
  /** The job's deployment environment, when it has one. */
  environment?: string;
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

/** The facts of a job from its github context; the ids from the server's store. */
export function oidcJobFacts(source: OidcJobSource): OidcJobFacts {
  const g = (key: string) => text(source.github[key]);
  const repository = g("repository");
  const file = source.workflowFile;
  // A called workflow of another repository is named as written (owner/repo/path@ref); one of this
  // repository, as the run's workflow is (repository/path@ref, at the run's commit).
  const remote = file !== undefined && /^[^./][^/]*\/[^/]+\/.+@.+$/.test(file);
  const jobWorkflowRef = !file
    ? g("workflow_ref")
    : remote
      ? file
      : `${repository}/${file.replace(/^\.\//, "")}@${g("ref")}`;
  return {
    actor: g("actor"),
    actor_id: String(source.actorId ?? 0),
    base_ref: g("base_ref"),
    head_ref: g("head_ref"),
    ...(source.environment ? { environment: source.environment } : {}),
    event_name: g("event_name"),
    job_workflow_ref: jobWorkflowRef,
    job_workflow_sha: remote ? "" : g("workflow_sha") || g("sha"),
    ref: g("ref"),
    ref_type: g("ref_type"),
    repository,
    repository_id: String(source.repositoryId),
    repository_owner: g("repository_owner"),
    repository_owner_id: String(source.repositoryOwnerId ?? 0),
    run_id: g("run_id"),
    run_number: g("run_number"),
    run_attempt: g("run_attempt"),
    sha: g("sha"),
    workflow: g("workflow"),
    workflow_ref: g("workflow_ref"),
    workflow_sha: g("workflow_sha"),
  };
}
