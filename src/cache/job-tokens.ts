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

/**
 * Issues and checks the ACTIONS_RUNTIME_TOKEN of each job, and signs the upload and download URLs
 * the services hand out. A token is a JWT (HS256, a key that lives as long as this object) whose
 * `scp` claim carries `Actions.Results:<run>:<job>` as GitHub's does (@actions/artifact reads its
 * backend ids from there) and whose `ac` claim lists the cache scopes (the first writable).
 * A token is accepted only while its job is running: revoke() at the job's end refuses it after.
 */
export class JobTokens {
  private readonly key = randomBytes(32);
  private readonly live = new Map<string, { grant: JobGrant; token: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  private mac(text: string): string {
    return createHmac("sha256", this.key).update(text).digest("base64url");
  }

  /** A new job: its backend id and token. */
  issue(runId: string, cacheScopes: string[], attempt = 1): { grant: JobGrant; token: string } {
    const grant: JobGrant = { runId, jobId: randomUUID(), cacheScopes, attempt };
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
    };
    const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
    const token = `${unsigned}.${this.mac(unsigned)}`;
    this.live.set(grant.jobId, { grant, token });
    return { grant, token };
  }

  /** The job ended: its token is refused from now on. */
  revoke(jobId: string): void {
    this.live.delete(jobId);
  }

  /** Whether the job is still running. */
  isLive(jobId: string): boolean {
    return this.live.has(jobId);
  }

  /** The grant of the bearer token in an Authorization header, or why it is refused. */
  verify(authorization: string | undefined | null): JobGrant | TokenProblem {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match)
      return { status: 401, reason: "Missing ACTIONS_RUNTIME_TOKEN (an Authorization: Bearer header)" };
    const token = match[1];
    const parts = token.split(".");
    if (parts.length !== 3 || !sameBytes(parts[2], this.mac(`${parts[0]}.${parts[1]}`))) {
      return { status: 401, reason: "Invalid ACTIONS_RUNTIME_TOKEN: not a token this server issued" };
    }
    let claims: { scp?: string; exp?: number };
    try {
      claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    } catch {
      return { status: 401, reason: "Invalid ACTIONS_RUNTIME_TOKEN: unreadable claims" };
    }
    const results = (claims.scp ?? "").split(" ").find((s) => s.startsWith("Actions.Results:"));
    const jobId = results?.split(":")[2] ?? "";
    const live = this.live.get(jobId);
    if (!live || live.token !== token || (claims.exp ?? 0) * 1000 < this.now()) {
      return { status: 401, reason: "ACTIONS_RUNTIME_TOKEN expired: its job has finished" };
    }
    return live.grant;
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
