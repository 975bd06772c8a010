import { readFileSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { parseBlobUrl } from "../blobs/index.js";
import { branchPolicyBody, environmentBody } from "../delivery/index.js";
import { environmentNameProblem } from "../secrets/index.js";
import { type Problem, UsageError } from "../workflow/index.js";
import { outgoingWebhooksConfig } from "./hook-url.js";
import { hooksConfig } from "./hooks-config.js";
import { repoUrlProblem, repoUrlSchemes } from "./repo-url.js";
import { DEFAULT_LIMITS } from "./request-limits.js";
import { ownerSchema, refSchema, repoNameSchema } from "./validate.js";

/** Which runs of a fork's pull request wait for an admin's approval (store ForkApproval). */
const forkApproval = z.enum(["none", "first_time_contributors", "all"]);

/** A repository as GitHub names it (validate.ts); its URL's scheme is checked against the config's (repo-url.ts). */
export const repoBody = z.object({
  owner: ownerSchema,
  name: repoNameSchema,
  url: z.string().min(1),
  default_branch: refSchema.default("main"),
  poll_interval_seconds: z.number().int().min(0).default(60),
  /**
   * What a pull request needs before it may merge: workflow names ("CI") or check names ("CI / build",
   * a matrix job's name standing for all its legs). Empty: every run for the commit counts.
   */
  required_checks: z.array(z.string().trim().min(1, "a check name cannot be empty")).default([]),
  /**
   * Which runs of a fork's pull request wait for an admin's approval (POST …/runs/{id}/approve), as
   * GitHub's "approve and run": none, those of first-time contributors, or all.
   */
  fork_approval: forkApproval.default("none"),
});

export type RepoBody = z.infer<typeof repoBody>;

/** PATCH /repos/{owner}/{repo}: what may change of a registered repository (its name may not). */
export const repoPatchBody = z
  .object({
    url: repoBody.shape.url,
    default_branch: refSchema,
    poll_interval_seconds: z.number().int().min(0),
    required_checks: z.array(z.string().trim().min(1, "a check name cannot be empty")),
    fork_approval: forkApproval,
  })
  .partial()
  .strict();

/**
 * A repository's `environments:` in the config file: by name, GitHub's PUT …/environments/{name}
 * body plus `branch_policies` ({name, type: branch|tag}); made so at each start.
 */
const declaredEnvironments = z
  .record(
    z.string().superRefine((name, ctx) => {
      const problem = environmentNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    environmentBody.extend({ branch_policies: z.array(branchPolicyBody).optional() }).strict(),
  )
  .optional();

/** A repository of the config file: the API's fields and its environments. */
const configRepo = repoBody.extend({ environments: declaredEnvironments });

/** `limits:`: request bodies and failed authentications (request-limits.ts, auth-throttle.ts). */
export const limitsConfig = z
  .object({
    /** The largest JSON body of the REST API (bytes; 413 above). */
    api_body_bytes: z.number().int().min(1024).default(DEFAULT_LIMITS.api_body_bytes),
    /** The largest delivery to /hooks/* (bytes; 413 above): GitHub's own cap, 25 MiB. */
    webhook_body_bytes: z.number().int().min(1024).default(DEFAULT_LIMITS.webhook_body_bytes),
    /** Failed authentications (API and hook tokens, webhook signatures) per client address per minute. */
    auth_failures_per_minute: z.number().int().min(1).default(DEFAULT_LIMITS.auth_failures_per_minute),
  })
  .default({ ...DEFAULT_LIMITS });

/**
 * The server's URL as the world reaches it (behind a proxy: the proxy's), without a query or a
 * fragment; a trailing slash is dropped. The jobs' ID tokens name it as their issuer.
 */
export const publicUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === "https:" || url.protocol === "http:") && !url.search && !url.hash && !url.username
      );
    } catch {
      return false;
    }
  }, "an http(s) URL without credentials, query or fragment, e.g. https://ci.example.com")
  .transform((value) => value.replace(/\/+$/, ""));

/** `gantry serve --config FILE`: repositories, the embedded runner pool, retries, secrets and vars. */
export const serverConfig = z.object({
  /**
   * Where the server keeps its state: a postgres:// URL (PostgreSQL); without it, SQLite under the
   * data directory. `--database` and DATABASE_URL come first.
   */
  database: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\/./i, "a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL")
    .optional(),
  /** The server's public URL (the OIDC issuer); default: the URL it listens on. */
  public_url: publicUrl.optional(),
  repos: z.array(configRepo).default([]),
  /** The URL schemes repositories may be cloned from (repo-url.ts); `file` allows local paths. */
  repo_url_schemes: repoUrlSchemes,
  limits: limitsConfig,
  runners: z
    .object({
      /** Jobs the embedded pool runs at once; 0 turns it off (runner machines run every job). */
      slots: z.number().int().min(0).default(2),
      /**
       * How long a runner machine's hold on a job lasts without word from it: once it runs out,
       * the runner is taken as lost (its job retried or failed per retries.lost_runner).
       */
      lease_seconds: z.number().int().min(2).max(600).default(30),
      /** The pool's labels; a job runs when every label of its runs-on (after label_map) is here. */
      labels: z.array(z.string()).optional(),
      /** A runs-on label to the pool labels it stands for, e.g. ubuntu-latest: [linux]. */
      label_map: z.record(z.string(), z.array(z.string())).optional(),
      /**
       * sandbox: each job in a bubblewrap sandbox (src/sandbox), the default where bubblewrap works;
       * none: jobs run as the server's user and can reach its data (a warning at start says so).
       */
      isolation: z.enum(["sandbox", "none"]).optional(),
      /** Variables every step gets, beyond the allow-listed host ones (PATH, HOME, LANG, TZ …). */
      env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name"), z.string()).default({}),
      /** Host folders jobs may write in the sandbox (a shared package cache); absolute paths. */
      writable: z.array(z.string().startsWith("/", "an absolute path")).default([]),
      /** The user jobs run as (a login name of this host), when not the server's own; needs a root server. */
      user: z
        .string()
        .regex(/^[a-z_][a-z0-9_.-]*\$?$/i, "a user name of this host")
        .optional(),
      /** More host paths jobs must not see in the sandbox (beyond the data directory and the config file). */
      hidden: z.array(z.string().startsWith("/", "an absolute path")).default([]),
    })
    .default({ slots: 2, lease_seconds: 30, env: {}, writable: [], hidden: [] }),
  retries: z
    .object({
      /** Times a job whose runner was lost (the server died under it) is queued again before it fails. */
      lost_runner: z.number().int().min(0).default(0),
    })
    .default({ lost_runner: 0 }),
  secrets: z.record(z.string(), z.string()).default({}),
  vars: z.record(z.string(), z.string()).default({}),
  /** Secrets of push notifications and forge webhooks (hooks-config.ts). */
  hooks: hooksConfig,
  /** Where repositories' outgoing webhooks may be sent (hook-url.ts): https to public hosts by default. */
  outgoing_webhooks: outgoingWebhooksConfig,
  /**
   * Workflow status badges (GET /{owner}/{repo}/actions/workflows/{file}/badge.svg): `public: true`
   * serves them to anyone, else they need an API token, as the runs do.
   */
  badges: z
    .object({ public: z.boolean().default(false) })
    .strict()
    .optional(),
  /**
   * Where logs, artifacts and cache entries are kept (`--blobs` wins over it): file:///dir or
   * s3://bucket[/prefix]?endpoint=…&region=… (src/blobs); without it, under the data directory.
   */
  blobs: z
    .string()
    .superRefine((url, ctx) => {
      const at = parseBlobUrl(url);
      if (typeof at === "string") ctx.addIssue({ code: "custom", message: at });
    })
    .optional(),
  /** The audit trail (src/audit): how often a checkpoint over its head is signed, if it grew. */
  audit: z
    .object({ checkpoint_seconds: z.number().int().min(1).default(300) })
    .strict()
    .default({ checkpoint_seconds: 300 }),
});

export type ServerConfig = z.infer<typeof serverConfig>;

/** A zod error as one line per problem: `path: message`. */
export function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
}

/** The repositories whose URL the config's own repo_url_schemes does not allow, as zod issues. */
function repoUrlIssues(config: ServerConfig): Array<{ path: Array<string | number>; message: string }> {
  return config.repos.flatMap((repo, i) => {
    const problem = repoUrlProblem(repo.url, config.repo_url_schemes);
    return problem ? [{ path: ["repos", i, "url"], message: problem }] : [];
  });
}

/** Parses a config object (from YAML or code); throws UsageError naming each problem. */
export function parseServerConfig(value: unknown, source = "config"): ServerConfig {
  const parsed = serverConfig.safeParse(value ?? {});
  if (!parsed.success) {
    throw new UsageError(`${source}: ${zodProblems(parsed.error).join("; ")}`);
  }
  const urls = repoUrlIssues(parsed.data);
  if (urls.length > 0)
    throw new UsageError(`${source}: ${urls.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * Reads the YAML config file. Every problem names the file, line and column: a YAML error where the
 * parser stopped, a setting that is wrong where its value (or, when missing, its parent) is written.
 */
export function loadServerConfig(file: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`--config: ${(err as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number, message: string): Problem => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col, message, severity: "error" };
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => at(e.pos[0], e.message.split("\n")[0]));
    throw new UsageError(`${file}: not valid YAML`, problems);
  }
  const parsed = serverConfig.safeParse(doc.toJS() ?? {});
  const issues = parsed.success ? repoUrlIssues(parsed.data) : parsed.error.issues;
  if (parsed.success && issues.length === 0) return parsed.data;
  const problems = issues.map((issue) => {
    // The deepest node the path reaches: the value itself, else the mapping it is missing from.
    const path = issue.path.map((k) => (typeof k === "symbol" ? String(k) : k));
    let offset = 0;
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number] } | undefined;
      if (node?.range) {
        offset = node.range[0];
        break;
      }
    }
    return at(offset, `${path.length ? `${path.join(".")}: ` : ""}${issue.message}`);
  });
  throw new UsageError(`${file}: invalid config`, problems);
}
