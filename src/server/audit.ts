import type { Context } from "hono";
import type { AuditEntry, AuditTrail } from "../audit/index.js";
import type { Repo } from "../store/index.js";
import { actorOf } from "./access.js";

/** What a change is recorded with besides who made it: its repository and details. */
export interface AuditOptions {
  /** The repository changed (a Repo, or owner/name). */
  repo?: Repo | string | null;
  /** Names, ids and settings; never a secret's or a token's value. */
  details?: Record<string, unknown>;
}

function repoName(repo: AuditOptions["repo"]): string | null {
  if (!repo) return null;
  return typeof repo === "string" ? repo : `${repo.owner}/${repo.name}`;
}

/**
 * The audit trail as routes use it: one call after each change of state,
 * `await ctx.audit.record(c, "repo.create", { repo, details })`; who, with which token and from
 * which address come from the request.
 */
export class ServerAudit {
  constructor(readonly trail: AuditTrail) {}

  /** Records a change the request `c` made (after bearerAuth). */
  record(c: Context, action: string, opts: AuditOptions = {}): Promise<AuditEntry> {
    const { actor, actorId, tokenId, address } = actorOf(c);
    return this.trail.append({
      action,
      actor,
      actorId,
      tokenId,
      address,
      repo: repoName(opts.repo),
      details: opts.details,
    });
  }

  /** Records what the server itself did (start, stop, the config it loaded): the actor is gantry. */
  system(action: string, opts: AuditOptions = {}): Promise<AuditEntry> {
    return this.trail.append({ action, actor: "gantry", repo: repoName(opts.repo), details: opts.details });
  }
}
