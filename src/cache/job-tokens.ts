import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

/** What one job may do with the Actions services, as its ACTIONS_RUNTIME_TOKEN grants it. */
export interface JobGrant {
  /** The run's id (github.run_id): the artifact service's workflow_run_backend_id. */
  runId: string;
  /** The job's backend id (workflow_job_run_backend_id), unique per job. */
  jobId: string;
  /** The run attempt the job belongs to (github.run_attempt): its artifacts are that attempt's. */
  attempt: number;
  /** The cache scopes the job reads, in order; it writes only to the first (see cacheScopes). */
  cacheScopes: string[];
  /**
   * Where the job reaches the services (its ACTIONS_RESULTS_URL, ending in `/`): the signed upload
   * and download URLs handed to it are made under it. Unset: under the address the request came to.
   */
  servicesUrl?: string;
  /** What the job's life is kept in on the server (JobLife.of): its token holds while that does. */
  lifeRef?: string;
}

/**
 * Where a server keeps whether a job still runs, so that every server of one database refuses a
 * finished job's token, whichever of them saw it end: `gantry serve` binds a job's token to its
 * GITHUB_TOKEN in the store, revoked when the job ends (server/job-life.ts).
 */
export interface JobLife {
  /** The reference a new job's token is bound to (from its github context), if any. */
  of(github: Record<string, unknown>): Promise<string | undefined>;
  /** Whether the job bound to `ref` still runs. */
  alive(ref: string): Promise<boolean>;
}

export interface JobTokensOptions {
  /**
   * The signing key (32 bytes or more). Every server of one database must use the same one, so
   * that a token one of them issued is accepted by the others: `gantry serve` derives it from the
   * master key (SecretVault.deriveKey). Without it, a random key of this object's own (`gantry run`).
   */
  key?: Uint8Array;
  now?: () => number;
  /** Asked by check() for a token bound to a job's life (JobGrant.lifeRef). */
  alive?: JobLife["alive"];
}

/** A refused request: the HTTP status and the reason given to the client. */
export interface TokenProblem {
  status: 401 | 403;
  reason: string;
}

/** A job's token lives this long at most; a job's end revokes it sooner. */
const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/** Signed upload and download URLs stay valid this long. */
export const SIGNED_URL_TTL_MS = 6 * 60 * 60 * 1000;

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A token's claims, as issue() writes them. */
interface Claims {
  exp?: number;
  scp?: string;
  ac?: string;
  /** gantry's: the run attempt. */
  att?: number;
  /** gantry's: the services' URL the job was given. */
  svc?: string;
  /** gantry's: what the job's life is kept in (JobGrant.lifeRef). */
  lr?: string;
}

function grantOf(claims: Claims): JobGrant | undefined {
  const results = (claims.scp ?? "").split(" ").find((s) => s.startsWith("Actions.Results:"));
  const [, runId, jobId] = results?.split(":") ?? [];
  if (!runId || !jobId) return undefined;
  let scopes: unknown;
  try {
    scopes = JSON.parse(claims.ac ?? "[]");
  } catch {
    return undefined;
  }
  if (!Array.isArray(scopes)) return undefined;
  const cacheScopes = scopes.map((s: { Scope?: unknown }) => s?.Scope);
  if (!cacheScopes.every((s): s is string => typeof s === "string")) return undefined;
  return {
    runId,
    jobId,
    attempt: Number.isSafeInteger(claims.att) && (claims.att ?? 0) > 0 ? (claims.att as number) : 1,
    cacheScopes,
    ...(typeof claims.svc === "string" ? { servicesUrl: claims.svc } : {}),
    ...(typeof claims.lr === "string" ? { lifeRef: claims.lr } : {}),
  };
}

/**
 * Issues and checks the ACTIONS_RUNTIME_TOKEN of each job, and signs the upload and download URLs
 * the services hand out. A token is a JWT (HS256) whose `scp` claim carries
 * `Actions.Results:<run>:<job>` as GitHub's does (@actions/artifact reads its backend ids from
 * there), whose `ac` claim lists the cache scopes (the first writable), `att` the run attempt and
 * `svc` the services' URL the job was given. The token carries its whole grant, so any JobTokens
 * with the same key accepts it (the servers of one database share the key): a lease opened by
 * one server works against another. revoke() at the job's end refuses the token here from then on;
 * check() also refuses a token whose job's life (`lr`, JobLife) has ended, wherever it ended; any
 * token dies at its expiry (TOKEN_TTL_MS).
 */
export class JobTokens {
  private readonly key: Buffer;
  private readonly now: () => number;
  /** Revoked jobs' ids, with their tokens' expiry: kept until then. */
  private readonly revoked = new Map<string, number>();

  constructor(private readonly o: JobTokensOptions = {}) {
    if (o.key && o.key.length < 32) throw new Error("a job token key is 32 bytes or more");
    this.key = o.key ? Buffer.from(o.key) : randomBytes(32);
    this.now = o.now ?? Date.now;
  }

  private mac(text: string): string {
    return createHmac("sha256", this.key).update(text).digest("base64url");
  }

  /** A new job: its backend id and token (`servicesUrl`, `lifeRef`: see JobGrant). */
  issue(
    runId: string,
    cacheScopes: string[],
    attempt = 1,
    opts: { servicesUrl?: string; lifeRef?: string } = {},
  ): { grant: JobGrant; token: string } {
    const { servicesUrl, lifeRef } = opts;
    const grant: JobGrant = {
      runId,
      jobId: randomUUID(),
      cacheScopes,
      attempt,
      ...(servicesUrl ? { servicesUrl } : {}),
      ...(lifeRef ? { lifeRef } : {}),
    };
    const iat = Math.floor(this.now() / 1000);
    const claims = {
      iss: "gantry",
      jti: randomUUID(),
      iat,
      nbf: iat,
      exp: iat + TOKEN_TTL_MS / 1000,
      scp: [
        "Actions.GenericRead:00000000-0000-0000-0000-000000000000",
        `Actions.UploadArtifacts:${runId}:${grant.jobId}`,
        `Actions.Results:${runId}:${grant.jobId}`,
      ].join(" "),
      ac: JSON.stringify(cacheScopes.map((scope, i) => ({ Scope: scope, Permission: i === 0 ? 3 : 1 }))),
      att: attempt,
      ...(servicesUrl ? { svc: servicesUrl } : {}),
      ...(lifeRef ? { lr: lifeRef } : {}),
    };
    const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
    return { grant, token: `${unsigned}.${this.mac(unsigned)}` };
  }

  /**
   * The job ended: its token is refused here from now on. The ids whose tokens have expired go:
   * they were revoked in order of expiry (a map keeps its order), so the first one still to expire
   * ends the sweep, and a revoke costs O(1) however many jobs ended before (it was O(their number)).
   */
  revoke(jobId: string): void {
    const now = this.now();
    for (const [id, until] of this.revoked) {
      if (until >= now) break;
      this.revoked.delete(id);
    }
    this.revoked.delete(jobId);
    this.revoked.set(jobId, now + TOKEN_TTL_MS);
  }

  /** Whether the job's token has not been revoked here. */
  isLive(jobId: string): boolean {
    return !this.revoked.has(jobId);
  }

  /**
   * verify(), and for a token bound to a job's life, whether that job still runs (JobLife.alive):
   * what the services call before they read a request's body.
   */
  async check(authorization: string | undefined | null): Promise<JobGrant | TokenProblem> {
    const grant = this.verify(authorization);
    if (isTokenProblem(grant) || (await this.jobAlive(grant))) return grant;
    return { status: 401, reason: "ACTIONS_RUNTIME_TOKEN expired: its job has finished" };
  }

  /** Whether the grant's job still runs: not revoked here, and its life (if bound) not ended. */
  async jobAlive(grant: JobGrant): Promise<boolean> {
    if (!this.isLive(grant.jobId)) return false;
    if (grant.lifeRef === undefined || !this.o.alive) return true;
    return this.o.alive(grant.lifeRef);
  }

  /** The grant of the bearer token in an Authorization header, or why it is refused (no JobLife asked). */
  verify(authorization: string | undefined | null): JobGrant | TokenProblem {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match)
      return { status: 401, reason: "Missing ACTIONS_RUNTIME_TOKEN (an Authorization: Bearer header)" };
    const token = match[1];
    const parts = token.split(".");
    if (parts.length !== 3 || !sameBytes(parts[2], this.mac(`${parts[0]}.${parts[1]}`))) {
      return { status: 401, reason: "Invalid ACTIONS_RUNTIME_TOKEN: not a token this server issued" };
    }
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    } catch {
      return { status: 401, reason: "Invalid ACTIONS_RUNTIME_TOKEN: unreadable claims" };
    }
    const grant = typeof claims === "object" && claims !== null ? grantOf(claims) : undefined;
    if (!grant) return { status: 401, reason: "Invalid ACTIONS_RUNTIME_TOKEN: unreadable claims" };
    if (!this.isLive(grant.jobId) || (claims.exp ?? 0) * 1000 < this.now()) {
      return { status: 401, reason: "ACTIONS_RUNTIME_TOKEN expired: its job has finished" };
    }
    return grant;
  }

  /** The query (`se`, `sig`) that signs `path` for SIGNED_URL_TTL_MS. */
  signPath(path: string): string {
    const expires = String(this.now() + SIGNED_URL_TTL_MS);
    return `se=${expires}&sig=${this.mac(`${path}\n${expires}`)}`;
  }

  /** Why the signature of `path` in `query` is refused, or undefined when it holds. */
  checkSignedPath(path: string, query: URLSearchParams): string | undefined {
    const expires = query.get("se") ?? "";
    const sig = query.get("sig") ?? "";
    if (!expires || !sig) return "The URL is not signed (se and sig are missing)";
    if (!sameBytes(sig, this.mac(`${path}\n${expires}`))) return "The URL's signature does not match";
    if (Number(expires) < this.now()) return "The signed URL has expired";
    return undefined;
  }
}

/** Whether verify() refused the token. */
export function isTokenProblem(v: JobGrant | TokenProblem): v is TokenProblem {
  return "status" in v;
}
