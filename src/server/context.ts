import type { Context } from "hono";
import type { z } from "zod";
import type { FsArtifactStore } from "../artifacts/index.js";
import type { Repo, Store } from "../store/index.js";
import type { ServerConfig } from "./config.js";
import { zodProblems } from "./config.js";
import type { JobLogs } from "./job-logs.js";
import type { LiveHub } from "./live-hub.js";
import type { PullService } from "./pull-service.js";
import type { RepoClones } from "./repo-clones.js";
import type { RunNotes } from "./run-notes.js";
import type { RunService } from "./run-service.js";
import type { RunnerPool } from "./runner-pool.js";

/** What the HTTP routes work with. */
export interface ServerContext {
  store: Store;
  runs: RunService;
  pulls: PullService;
  clones: RepoClones;
  logs: JobLogs;
  hub: LiveHub;
  pool: RunnerPool;
  config: ServerConfig;
  /** The built web UI (dist/web), served at /. */
  webDir?: string;
  /** Annotations and step summaries of the runs. */
  notes?: RunNotes;
  /** The artifact store, for the UI's artifact list and downloads. */
  artifacts?: FsArtifactStore;
}

/** An answer the route gives instead of going on: a status and GitHub's `{message, errors}`. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 500 | 502,
    message: string,
    readonly errors?: string[],
  ) {
    super(message);
  }
}

/** The server's own URL as the client reached it (for the `url` fields). */
export function baseUrl(c: Context): string {
  return new URL(c.req.url).origin;
}

export async function repoOf(ctx: ServerContext, c: Context): Promise<Repo> {
  const repo = await ctx.store.getRepo(c.req.param("owner") ?? "", c.req.param("repo") ?? "");
  if (!repo) throw new HttpError(404, "Not Found: no such repository on this server");
  return repo;
}

export function idParam(c: Context, name: string): number {
  const value = Number(c.req.param(name));
  if (!Number.isSafeInteger(value) || value < 1)
    throw new HttpError(404, `Not Found: '${c.req.param(name)}' is not an id`);
  return value;
}

/** The JSON body, validated: 400 when it is not JSON, 422 naming each field that is wrong. */
export async function bodyOf<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let value: unknown;
  try {
    const text = await c.req.text();
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `Problems parsing JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(422, "Validation Failed", zodProblems(parsed.error));
  return parsed.data;
}

export function queryOf<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new HttpError(422, "Validation Failed", zodProblems(parsed.error));
  return parsed.data;
}
